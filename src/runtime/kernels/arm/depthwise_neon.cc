// Depthwise convolution with NEON: 4 channels per vector, the loop nest shared with x86
// (kernels/simd/depthwise_loop.h).
#include "runtime/kernels/arm/vec_neon.h"
#include "runtime/kernels/simd/depthwise_loop.h"

namespace qforge::runtime {

void DepthwiseBandNeon(const DepthwiseWeights& w, const int8_t* padded, int64_t row_bytes, int out_rows, int8_t* output) {
  simd::DepthwiseBand<arm::Neon>(w, padded, row_bytes, out_rows, output);
}

}  // namespace qforge::runtime
