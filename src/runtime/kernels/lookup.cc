// The table-lookup family's table.
#include "runtime/kernels/lookup.h"

namespace qforge::runtime {

const std::vector<LookupKernel>& LookupKernels() {
  static const std::vector<LookupKernel> family = {
      {Isa::kRef, "ref", nullptr},
#if defined(QFORGE_X86_KERNELS)
      {Isa::kAvx512Vbmi, "lookup avx512vbmi", LookupInt8Vbmi},
#endif
  };
  return family;
}

}  // namespace qforge::runtime
