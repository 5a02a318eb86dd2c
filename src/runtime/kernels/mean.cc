// The mean family's table.
#include "runtime/kernels/mean.h"

namespace qforge::runtime {

const std::vector<MeanKernel>& MeanKernels() {
  static const std::vector<MeanKernel> family = {
      {Isa::kRef, "ref", nullptr},
#if defined(QFORGE_X86_KERNELS)
      {Isa::kAvx2, "mean avx2", MeanInt8Avx2},
      {Isa::kAvx512Vnni, "mean avx512vnni", MeanInt8Avx512},
#endif
#if defined(QFORGE_ARM_KERNELS)
      {Isa::kNeon, "mean neon", MeanInt8Neon},
#endif
  };
  return family;
}

}  // namespace qforge::runtime
