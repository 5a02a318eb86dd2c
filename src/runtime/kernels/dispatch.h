// Which instruction set the runtime's optimized kernels use. Chosen once per process: the best
// ISA that this build compiled kernels for and this CPU supports, capped by the environment
// variable QFORGE_ISA (ref|avx2|avx512vnni|avx512vbmi on x86-64, ref|neon|neondot on 64-bit Arm;
// so one machine can test every path). An interpreter
// may cap it further (InterpreterOptions::max_isa); each kernel family's table
// (kernels/kernel_family.h) then gives the best kernel under that cap. QFORGE_VERBOSE=1 logs
// each operator's kernel to stderr. C++17.
#pragma once

#include <string>
#include <vector>

#include "qforge/status.h"

namespace qforge::runtime {

// Ordered within an architecture: a higher ISA can run every kernel of a lower one (a build's
// kernel tables hold only its own architecture's entries). kAvx512Vbmi: VNNI plus VBMI's byte
// permutes (Ice Lake, Zen 4 and later), which table lookups use. kNeon: Armv8-A's Advanced SIMD
// (every 64-bit Arm CPU); kNeonDot: with the dot-product instructions (SDOT, Armv8.2-A's
// FEAT_DotProd: Cortex-A55/A75 and later, Neoverse N1 and later).
enum class Isa { kRef = 0, kAvx2 = 1, kAvx512Vnni = 2, kAvx512Vbmi = 3, kNeon = 4, kNeonDot = 5 };

// The highest ISA of the architecture this build targets: "no cap".
#if defined(__aarch64__)
constexpr Isa kHighestIsa = Isa::kNeonDot;
#else
constexpr Isa kHighestIsa = Isa::kAvx512Vbmi;
#endif

const char* IsaName(Isa isa);
// The ISAs of this build's architecture, ref first (ref only on other architectures).
std::vector<Isa> ArchitectureIsas();
// One of ArchitectureIsas() by name; another architecture's ISA is an error listing this one's.
StatusOr<Isa> ParseIsa(const std::string& name);

// The best ISA this build has kernels for and the CPU supports (ignores QFORGE_ISA).
Isa SupportedIsa();
// SupportedIsa() capped by QFORGE_ISA; an unknown QFORGE_ISA value is an error naming it.
StatusOr<Isa> ProcessIsa();
// QFORGE_VERBOSE is set to something other than "" or "0".
bool VerboseKernels();

}  // namespace qforge::runtime
