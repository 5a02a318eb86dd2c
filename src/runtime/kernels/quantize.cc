// The quantize family's table.
#include "runtime/kernels/quantize.h"

namespace qforge::runtime {

const std::vector<QuantizeKernel>& QuantizeKernels() {
  static const std::vector<QuantizeKernel> family = {
      {Isa::kRef, "ref", nullptr},
#if defined(QFORGE_X86_KERNELS)
      {Isa::kAvx2, "quantize avx2", QuantizeInt8Avx2},
      {Isa::kAvx512Vnni, "quantize avx512vnni", QuantizeInt8Avx512},
#endif
#if defined(QFORGE_ARM_KERNELS)
      {Isa::kNeon, "quantize neon", QuantizeInt8Neon},
#endif
  };
  return family;
}

}  // namespace qforge::runtime
