// Which instruction set the runtime's optimized kernels use. Chosen once per process: the best
// ISA that this build compiled kernels for and this CPU supports, capped by the environment
// variable QFORGE_ISA=ref|avx2|avx512vnni|avx512vbmi (so one machine can test every path). An interpreter
// may cap it further (InterpreterOptions::max_isa); each kernel family's table
// (kernels/kernel_family.h) then gives the best kernel under that cap. QFORGE_VERBOSE=1 logs
// each operator's kernel to stderr. C++17.
#pragma once

#include <string>

#include "qforge/status.h"

namespace qforge::runtime {

// Ordered: a higher ISA can run every kernel of a lower one. kAvx512Vbmi: VNNI plus VBMI's
// byte permutes (Ice Lake, Zen 4 and later), which table lookups use.
enum class Isa { kRef = 0, kAvx2 = 1, kAvx512Vnni = 2, kAvx512Vbmi = 3 };

const char* IsaName(Isa isa);
StatusOr<Isa> ParseIsa(const std::string& name);

// The best ISA this build has kernels for and the CPU supports (ignores QFORGE_ISA).
Isa SupportedIsa();
// SupportedIsa() capped by QFORGE_ISA; an unknown QFORGE_ISA value is an error naming it.
StatusOr<Isa> ProcessIsa();
// QFORGE_VERBOSE is set to something other than "" or "0".
bool VerboseKernels();

}  // namespace qforge::runtime
