// Fast max pooling with a recorded argmax.
#include "ops/cpu/max_pool_cpu.h"

#include <algorithm>

namespace qforge::cpu {

namespace {

// The common 2x2 window, stride 2, no padding, written branch-free. Ties go to the earliest
// tap in row-major order, as in the general loop.
void MaxPool2x2(const ref::PoolShape& s, const float* x, float* y, int32_t* argmax) {
  const int64_t oh = s.oh(), ow = s.ow(), plane_in = s.h * s.w, plane_out = oh * ow;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < s.n * s.c; ++p) {
    for (int64_t oy = 0; oy < oh; ++oy) {
      const float* r0 = x + p * plane_in + 2 * oy * s.w;
      const float* r1 = r0 + s.w;
      float* yo = y + p * plane_out + oy * ow;
      int32_t* ao = argmax + p * plane_out + oy * ow;
      const int32_t top = static_cast<int32_t>(2 * oy * s.w);
      for (int64_t ox = 0; ox < ow; ++ox) {
        const float a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], d = r1[2 * ox + 1];
        const int32_t col = static_cast<int32_t>(2 * ox);
        float m = a;
        int32_t i = top + col;
        i = b > m ? top + col + 1 : i;
        m = b > m ? b : m;
        i = c > m ? top + static_cast<int32_t>(s.w) + col : i;
        m = c > m ? c : m;
        i = d > m ? top + static_cast<int32_t>(s.w) + col + 1 : i;
        m = d > m ? d : m;
        yo[ox] = m;
        ao[ox] = i;
      }
    }
  }
}

bool Is2x2Stride2(const ref::PoolShape& s) {
  const auto& w = s.win;
  return w.kernel == std::array<int64_t, 2>{2, 2} && w.stride == std::array<int64_t, 2>{2, 2} &&
         w.pads == std::array<int64_t, 4>{0, 0, 0, 0};
}

// Windows tile the image without overlap, so every input element is written exactly once:
// no separate zeroing pass. A last odd row or column belongs to no window and gets zeros.
void MaxPool2x2Backward(const ref::PoolShape& s, const int32_t* argmax, const float* dy, float* dx) {
  const int64_t oh = s.oh(), ow = s.ow(), plane_in = s.h * s.w, plane_out = oh * ow;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < s.n * s.c; ++p) {
    float* dp = dx + p * plane_in;
    for (int64_t oy = 0; oy < oh; ++oy) {
      float* r0 = dp + 2 * oy * s.w;
      float* r1 = r0 + s.w;
      const int32_t top = static_cast<int32_t>(2 * oy * s.w);
      for (int64_t ox = 0; ox < ow; ++ox) {
        const int64_t o = p * plane_out + oy * ow + ox;
        const int32_t a = argmax[o], col = static_cast<int32_t>(2 * ox);
        const int32_t bottom = top + static_cast<int32_t>(s.w);
        const float g = dy[o];
        r0[2 * ox] = a == top + col ? g : 0.0f;
        r0[2 * ox + 1] = a == top + col + 1 ? g : 0.0f;
        r1[2 * ox] = a == bottom + col ? g : 0.0f;
        r1[2 * ox + 1] = a == bottom + col + 1 ? g : 0.0f;
      }
      if (s.w % 2) r0[s.w - 1] = r1[s.w - 1] = 0.0f;
    }
    if (s.h % 2) std::fill_n(dp + (s.h - 1) * s.w, s.w, 0.0f);
  }
}

}  // namespace

void MaxPoolForward(const ref::PoolShape& s, const float* x, float* y, int32_t* argmax) {
  if (argmax && Is2x2Stride2(s)) {
    MaxPool2x2(s, x, y, argmax);
    return;
  }
  const int64_t oh = s.oh(), ow = s.ow(), plane_in = s.h * s.w, plane_out = oh * ow;
  const auto& k = s.win.kernel;
  const auto& st = s.win.stride;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < s.n * s.c; ++p) {
    const float* xp = x + p * plane_in;
    for (int64_t oy = 0; oy < oh; ++oy) {
      const int64_t y0 = oy * st[0] - s.win.pads[0];
      const int64_t ys = std::max<int64_t>(y0, 0), ye = std::min(y0 + k[0], s.h);
      for (int64_t ox = 0; ox < ow; ++ox) {
        const int64_t x0 = ox * st[1] - s.win.pads[1];
        const int64_t xs = std::max<int64_t>(x0, 0), xe = std::min(x0 + k[1], s.w);
        int64_t best = ys * s.w + xs;
        for (int64_t iy = ys; iy < ye; ++iy)
          for (int64_t ix = xs; ix < xe; ++ix)
            if (xp[iy * s.w + ix] > xp[best]) best = iy * s.w + ix;
        const int64_t o = p * plane_out + oy * ow + ox;
        y[o] = xp[best];
        if (argmax) argmax[o] = static_cast<int32_t>(best);
      }
    }
  }
}

void MaxPoolBackward(const ref::PoolShape& s, const int32_t* argmax, const float* dy, float* dx) {
  if (Is2x2Stride2(s)) {
    MaxPool2x2Backward(s, argmax, dy, dx);
    return;
  }
  const int64_t plane_in = s.h * s.w, plane_out = s.oh() * s.ow();
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < s.n * s.c; ++p) {
    float* dp = dx + p * plane_in;
    std::fill_n(dp, plane_in, 0.0f);
    for (int64_t o = p * plane_out; o < (p + 1) * plane_out; ++o) dp[argmax[o]] += dy[o];
  }
}

}  // namespace qforge::cpu
