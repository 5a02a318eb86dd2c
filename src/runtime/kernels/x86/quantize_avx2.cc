// Quantization compiled with AVX2 flags.
#include "runtime/kernels/quantize.h"
#include "runtime/kernels/quantize_loop.h"

namespace qforge::runtime {

void QuantizeInt8Avx2(float scale, int32_t zero_point, int64_t begin, int64_t end, const float* input,
                      int8_t* output) {
  kernels::QuantizeRange(scale, zero_point, begin, end, input, output);
}

}  // namespace qforge::runtime
