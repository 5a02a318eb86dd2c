// Depthwise convolution with AVX-512: 16 channels per vector (compiled with AVX-512 flags).
#include "runtime/kernels/simd/depthwise_loop.h"
#include "runtime/kernels/x86/vec_avx512.h"

namespace qforge::runtime {

void DepthwiseBandAvx512(const DepthwiseWeights& w, const int8_t* padded, int64_t row_bytes, int out_rows, int8_t* output) {
  simd::DepthwiseBand<x86::Avx512>(w, padded, row_bytes, out_rows, output);
}

}  // namespace qforge::runtime
