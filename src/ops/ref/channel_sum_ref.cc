// Per-channel sum, accumulated in double.
#include "ops/ref/channel_sum_ref.h"

namespace qforge::ref {

void ChannelSum(const float* x, int64_t n, int64_t c, int64_t spatial, float* out) {
  for (int64_t ch = 0; ch < c; ++ch) {
    double sum = 0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t s = 0; s < spatial; ++s) sum += x[(i * c + ch) * spatial + s];
    out[ch] = static_cast<float>(sum);
  }
}

}  // namespace qforge::ref
