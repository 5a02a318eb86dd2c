// Reference pooling: one window at a time, padding taps skipped.
#include "ops/ref/pool_ref.h"

#include <algorithm>
#include <limits>

namespace qforge::ref {
namespace {

// Calls fn(plane_offset_in, out_index, taps...) : for each output, visits its in-image taps.
template <typename Fn>
void ForEachWindow(const PoolShape& s, Fn&& fn) {
  const int64_t oh = s.oh(), ow = s.ow();
  for (int64_t p = 0; p < s.n * s.c; ++p)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t x = 0; x < ow; ++x) {
        const int64_t y0 = y * s.win.stride[0] - s.win.pads[0];
        const int64_t x0 = x * s.win.stride[1] - s.win.pads[1];
        const int64_t ys = std::max<int64_t>(y0, 0), ye = std::min(y0 + s.win.kernel[0], s.h);
        const int64_t xs = std::max<int64_t>(x0, 0), xe = std::min(x0 + s.win.kernel[1], s.w);
        fn(p * s.h * s.w, (p * oh + y) * ow + x, ys, ye, xs, xe);
      }
}

}  // namespace

void MaxPoolForward(const PoolShape& s, const float* x, float* y) {
  ForEachWindow(s, [&](int64_t base, int64_t o, int64_t ys, int64_t ye, int64_t xs, int64_t xe) {
    float m = -std::numeric_limits<float>::infinity();
    for (int64_t iy = ys; iy < ye; ++iy)
      for (int64_t ix = xs; ix < xe; ++ix) m = std::max(m, x[base + iy * s.w + ix]);
    y[o] = m;
  });
}

void MaxPoolBackward(const PoolShape& s, const float* x, const float* dy, float* dx) {
  std::fill_n(dx, s.n * s.c * s.h * s.w, 0.0f);
  ForEachWindow(s, [&](int64_t base, int64_t o, int64_t ys, int64_t ye, int64_t xs, int64_t xe) {
    int64_t best = base + ys * s.w + xs;
    for (int64_t iy = ys; iy < ye; ++iy)
      for (int64_t ix = xs; ix < xe; ++ix)
        if (x[base + iy * s.w + ix] > x[best]) best = base + iy * s.w + ix;
    dx[best] += dy[o];
  });
}

void AvgPoolForward(const PoolShape& s, const float* x, float* y) {
  ForEachWindow(s, [&](int64_t base, int64_t o, int64_t ys, int64_t ye, int64_t xs, int64_t xe) {
    float sum = 0.0f;
    for (int64_t iy = ys; iy < ye; ++iy)
      for (int64_t ix = xs; ix < xe; ++ix) sum += x[base + iy * s.w + ix];
    y[o] = sum / static_cast<float>((ye - ys) * (xe - xs));
  });
}

void AvgPoolBackward(const PoolShape& s, const float* dy, float* dx) {
  std::fill_n(dx, s.n * s.c * s.h * s.w, 0.0f);
  ForEachWindow(s, [&](int64_t base, int64_t o, int64_t ys, int64_t ye, int64_t xs, int64_t xe) {
    const float g = dy[o] / static_cast<float>((ye - ys) * (xe - xs));
    for (int64_t iy = ys; iy < ye; ++iy)
      for (int64_t ix = xs; ix < xe; ++ix) dx[base + iy * s.w + ix] += g;
  });
}

}  // namespace qforge::ref
