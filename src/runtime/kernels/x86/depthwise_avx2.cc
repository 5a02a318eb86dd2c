// Depthwise convolution with AVX2: 8 channels per vector (compiled with AVX2 flags).
#include "runtime/kernels/x86/depthwise_loop.h"
#include "runtime/kernels/x86/vec_avx2.h"

namespace qforge::runtime {

void DepthwiseAvx2(const DepthwiseWeights& w, const int8_t* input, int8_t* output, int row_begin, int row_end) {
  x86::DepthwiseRows<x86::Avx2>(w, input, output, row_begin, row_end);
}

}  // namespace qforge::runtime
