// CPU feature detection and the QFORGE_ISA / QFORGE_VERBOSE switches.
#include "runtime/kernels/dispatch.h"

#include <cstdlib>

namespace qforge::runtime {

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kRef: return "ref";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512Vnni: return "avx512vnni";
    case Isa::kAvx512Vbmi: return "avx512vbmi";
  }
  return "?";
}

StatusOr<Isa> ParseIsa(const std::string& name) {
  for (Isa isa : {Isa::kRef, Isa::kAvx2, Isa::kAvx512Vnni, Isa::kAvx512Vbmi})
    if (name == IsaName(isa)) return isa;
  return Status(StatusCode::kInvalidArgument, "unknown ISA '" + name + "' (ref, avx2, avx512vnni, avx512vbmi)");
}

Isa SupportedIsa() {
#if defined(QFORGE_X86_KERNELS)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vnni"))
    return __builtin_cpu_supports("avx512vbmi") ? Isa::kAvx512Vbmi : Isa::kAvx512Vnni;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
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
