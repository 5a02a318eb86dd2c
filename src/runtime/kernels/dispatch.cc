// CPU feature detection and the QFORGE_ISA / QFORGE_VERBOSE switches.
#include "runtime/kernels/dispatch.h"

#include <cstdlib>

#if defined(QFORGE_ARM_KERNELS)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace qforge::runtime {

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kRef: return "ref";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512Vnni: return "avx512vnni";
    case Isa::kAvx512Vbmi: return "avx512vbmi";
    case Isa::kNeon: return "neon";
    case Isa::kNeonDot: return "neondot";
  }
  return "?";
}

std::vector<Isa> ArchitectureIsas() {
#if defined(__x86_64__)
  return {Isa::kRef, Isa::kAvx2, Isa::kAvx512Vnni, Isa::kAvx512Vbmi};
#elif defined(__aarch64__)
  return {Isa::kRef, Isa::kNeon, Isa::kNeonDot};
#else
  return {Isa::kRef};
#endif
}

StatusOr<Isa> ParseIsa(const std::string& name) {
  std::string names;
  for (Isa isa : ArchitectureIsas()) {
    if (name == IsaName(isa)) return isa;
    names += (names.empty() ? "" : ", ") + std::string(IsaName(isa));
  }
  return Status(StatusCode::kInvalidArgument, "unknown ISA '" + name + "' for this architecture (" + names + ")");
}

Isa SupportedIsa() {
#if defined(QFORGE_X86_KERNELS)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vnni"))
    return __builtin_cpu_supports("avx512vbmi") ? Isa::kAvx512Vbmi : Isa::kAvx512Vnni;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
#elif defined(QFORGE_ARM_KERNELS)
  // Advanced SIMD is part of every 64-bit Arm CPU; the dot product is optional (Linux reports it).
  return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) ? Isa::kNeonDot : Isa::kNeon;
#endif
  return Isa::kRef;
}

StatusOr<Isa> ProcessIsa() {
  const Isa supported = SupportedIsa();
  const char* env = std::getenv("QFORGE_ISA");
  if (!env || !*env) return supported;
  StatusOr<Isa> cap = ParseIsa(env);
  if (!cap.ok()) return Status(StatusCode::kInvalidArgument, "QFORGE_ISA: " + cap.status().message());
  return *cap < supported ? *cap : supported;
}

bool VerboseKernels() {
  const char* env = std::getenv("QFORGE_VERBOSE");
  return env && *env && std::string(env) != "0";
}

}  // namespace qforge::runtime
