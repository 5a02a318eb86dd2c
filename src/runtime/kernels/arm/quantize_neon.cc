// Quantization with NEON: the branch-free loop of kernels/quantize_loop.h, vectorized by the
// compiler (this file is built with -O3: 4 float lanes per instruction).
#include "runtime/kernels/quantize.h"
#include "runtime/kernels/quantize_loop.h"

namespace qforge::runtime {

void QuantizeInt8Neon(float scale, int32_t zero_point, int64_t begin, int64_t end, const float* input,
                      int8_t* output) {
  kernels::QuantizeRange(scale, zero_point, begin, end, input, output);
}

}  // namespace qforge::runtime
