// Depthwise convolution with AVX-512: 16 channels per vector (compiled with AVX-512 flags).
#include "runtime/kernels/x86/depthwise_loop.h"
#include "runtime/kernels/x86/vec_avx512.h"

namespace qforge::runtime {

void DepthwiseAvx512(const DepthwiseWeights& w, const int8_t* input, int8_t* output, int row_begin, int row_end) {
  x86::DepthwiseRows<x86::Avx512>(w, input, output, row_begin, row_end);
}

}  // namespace qforge::runtime
