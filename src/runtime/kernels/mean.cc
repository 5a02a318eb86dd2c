// The mean family's table and the pixel-major global average pooling.
#include "runtime/kernels/mean.h"

#include <algorithm>

namespace qforge::runtime {

const std::vector<MeanKernel>& MeanKernels() {
  static const std::vector<MeanKernel> family = {
      {Isa::kRef, "ref", nullptr},
      {Isa::kAvx2, "mean (pixel-major)", MeanInt8},
  };
  return family;
}

void MeanInt8(int batch_begin, int batch_end, int h, int w, int c, const MeanParams& p, const int8_t* input,
              int8_t* output) {
  constexpr int kChunk = 256;  // channels summed at a time
  int32_t sums[kChunk];
  const int64_t pixels = static_cast<int64_t>(h) * w;
  for (int b = batch_begin; b < batch_end; ++b) {
    const int8_t* image = input + b * pixels * c;
    for (int c0 = 0; c0 < c; c0 += kChunk) {
      const int n = std::min(kChunk, c - c0);
      std::fill_n(sums, n, 0);
      for (int64_t i = 0; i < pixels; ++i) {
        const int8_t* __restrict x = image + i * c + c0;
        for (int k = 0; k < n; ++k) sums[k] += x[k];
      }
      for (int k = 0; k < n; ++k)
        output[static_cast<int64_t>(b) * c + c0 + k] =
            static_cast<int8_t>(RequantizeClamp(sums[k], p.multiplier, p.offset, p.act_min, p.act_max));
    }
  }
}

}  // namespace qforge::runtime
