// Reference 2-D convolution: direct loops over every tap, padding taps skipped.
#include "ops/ref/conv2d_ref.h"

#include <algorithm>

#include "ops/ref/channel_sum_ref.h"

namespace qforge::ref {
namespace {

// Calls fn(x_index, w_index, y_index) for every (output, tap) pair whose tap lies in the image.
template <typename Fn>
void ForEachTap(const ConvShape& s, Fn&& fn) {
  const int64_t oh = s.oh(), ow = s.ow();
  const int64_t icg = s.c / s.groups, ocg = s.oc / s.groups;
  const auto& k = s.win.kernel;
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t o = 0; o < s.oc; ++o) {
      const int64_t g = o / ocg;
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t x = 0; x < ow; ++x) {
          const int64_t yi = ((n * s.oc + o) * oh + y) * ow + x;
          for (int64_t ic = 0; ic < icg; ++ic)
            for (int64_t ky = 0; ky < k[0]; ++ky) {
              const int64_t iy = y * s.win.stride[0] - s.win.pads[0] + ky * s.win.dilation[0];
              if (iy < 0 || iy >= s.h) continue;
              for (int64_t kx = 0; kx < k[1]; ++kx) {
                const int64_t ix = x * s.win.stride[1] - s.win.pads[1] + kx * s.win.dilation[1];
                if (ix < 0 || ix >= s.w) continue;
                const int64_t xi = ((n * s.c + g * icg + ic) * s.h + iy) * s.w + ix;
                const int64_t wi = ((o * icg + ic) * k[0] + ky) * k[1] + kx;
                fn(xi, wi, yi);
              }
            }
        }
    }
}

}  // namespace

void Conv2DForward(const ConvShape& s, const float* x, const float* w, const float* b, float* y) {
  const int64_t plane = s.oh() * s.ow();
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t o = 0; o < s.oc; ++o)
      std::fill_n(y + (n * s.oc + o) * plane, plane, b ? b[o] : 0.0f);
  ForEachTap(s, [&](int64_t xi, int64_t wi, int64_t yi) { y[yi] += w[wi] * x[xi]; });
}

void Conv2DBackwardData(const ConvShape& s, const float* w, const float* dy, float* dx) {
  std::fill_n(dx, s.n * s.c * s.h * s.w, 0.0f);
  ForEachTap(s, [&](int64_t xi, int64_t wi, int64_t yi) { dx[xi] += w[wi] * dy[yi]; });
}

void Conv2DBackwardWeights(const ConvShape& s, const float* x, const float* dy, float* dw,
                           float* db) {
  std::fill_n(dw, s.oc * (s.c / s.groups) * s.win.kernel[0] * s.win.kernel[1], 0.0f);
  ForEachTap(s, [&](int64_t xi, int64_t wi, int64_t yi) { dw[wi] += x[xi] * dy[yi]; });
  if (db) ChannelSum(dy, s.n, s.oc, s.oh() * s.ow(), db);
}

}  // namespace qforge::ref
