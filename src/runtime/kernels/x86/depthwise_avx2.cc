// Depthwise convolution with AVX2: 8 channels per vector (compiled with AVX2 flags).
#include "runtime/kernels/simd/depthwise_loop.h"
#include "runtime/kernels/x86/vec_avx2.h"

namespace qforge::runtime {

void DepthwiseBandAvx2(const DepthwiseWeights& w, const int8_t* padded, int64_t row_bytes, int out_rows, int8_t* output) {
  simd::DepthwiseBand<x86::Avx2>(w, padded, row_bytes, out_rows, output);
}

}  // namespace qforge::runtime
