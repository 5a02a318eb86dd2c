// The Mul family's table.
#include "runtime/kernels/mul.h"

namespace qforge::runtime {

const std::vector<MulKernel>& MulKernels() {
  static const std::vector<MulKernel> family = {
      {Isa::kRef, "ref", nullptr},
#if defined(QFORGE_X86_KERNELS)
      {Isa::kAvx2, "mul avx2", MulInt8Avx2},
      {Isa::kAvx512Vnni, "mul avx512vnni", MulInt8Avx512},
#endif
#if defined(QFORGE_ARM_KERNELS)
      {Isa::kNeon, "mul neon", MulInt8Neon},
#endif
  };
  return family;
}

}  // namespace qforge::runtime
