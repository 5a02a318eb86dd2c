// The max-pooling family's table.
#include "runtime/kernels/pool.h"

namespace qforge::runtime {

const std::vector<MaxPoolKernel>& MaxPoolKernels() {
  static const std::vector<MaxPoolKernel> family = {
      {Isa::kRef, "ref", nullptr},
#if defined(QFORGE_X86_KERNELS)
      {Isa::kAvx2, "max pool avx2", MaxPoolInt8Avx2},
      {Isa::kAvx512Vnni, "max pool avx512vnni", MaxPoolInt8Avx512},
#endif
#if defined(QFORGE_ARM_KERNELS)
      {Isa::kNeon, "max pool neon", MaxPoolInt8Neon},
#endif
  };
  return family;
}

}  // namespace qforge::runtime
