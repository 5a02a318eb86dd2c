// Quantization dispatch; without x86 kernels the same loop runs compiled for the baseline.
#include "runtime/kernels/quantize.h"

#include "runtime/kernels/quantize_loop.h"

namespace qforge::runtime {

void QuantizeInt8(Isa isa, float scale, int32_t zero_point, int64_t begin, int64_t end, const float* input,
                  int8_t* output) {
  switch (isa) {
#if defined(QFORGE_X86_KERNELS)
    case Isa::kAvx512Vnni: return QuantizeInt8Avx512(scale, zero_point, begin, end, input, output);
    case Isa::kAvx2: return QuantizeInt8Avx2(scale, zero_point, begin, end, input, output);
#endif
    default: return kernels::QuantizeRange(scale, zero_point, begin, end, input, output);
  }
}

}  // namespace qforge::runtime
