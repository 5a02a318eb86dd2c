// The max-pooling loop nest, plain C++ written so the channel loops vectorize; the ISA files
// (kernels/x86/pool_*.cc) compile it under their flags, kernels/pool.cc for the baseline.
#pragma once

#include <algorithm>
#include <cstring>

#include "runtime/kernels/int8_params.h"

namespace qforge::runtime::kernels {

// Max over the window's taps and the clamp, for channels [k, k + kWidth) of one output pixel;
// kWidth is a compile-time constant so the loops become whole vector operations.
template <int kWidth>
inline void MaxPoolChannels(const int8_t* image, int64_t in_w, int64_t c, int ys, int ye, int xs, int xe, int8_t lo,
                            int8_t hi, int8_t* __restrict y) {
  int8_t m[kWidth];
  std::memcpy(m, image + (ys * in_w + xs) * c, kWidth);
  for (int iy = ys; iy < ye; ++iy)
    for (int ix = xs; ix < xe; ++ix) {
      const int8_t* __restrict x = image + (iy * in_w + ix) * c;
      for (int k = 0; k < kWidth; ++k) m[k] = std::max(m[k], x[k]);
    }
  for (int k = 0; k < kWidth; ++k) y[k] = std::min(std::max(m[k], lo), hi);
}

inline void MaxPoolRows(const ConvGeometry& g, int32_t act_min, int32_t act_max, const int8_t* input,
                        int8_t* output, int row_begin, int row_end) {
  const int c = g.in_c;
  const auto lo = static_cast<int8_t>(act_min), hi = static_cast<int8_t>(act_max);
  for (int row = row_begin; row < row_end; ++row) {
    const int b = row / g.out_h, oy = row % g.out_h;
    const int y0 = oy * g.stride_h - g.pad_top;
    const int ys = std::max(y0, 0), ye = std::min(y0 + g.kernel_h, g.in_h);
    const int8_t* image = input + static_cast<int64_t>(b) * g.in_h * g.in_w * c;
    for (int ox = 0; ox < g.out_w; ++ox) {
      const int x0 = ox * g.stride_w - g.pad_left;
      const int xs = std::max(x0, 0), xe = std::min(x0 + g.kernel_w, g.in_w);
      int8_t* y = output + ((static_cast<int64_t>(b) * g.out_h + oy) * g.out_w + ox) * c;
      int k = 0;
      for (; k + 16 <= c; k += 16) MaxPoolChannels<16>(image + k, g.in_w, c, ys, ye, xs, xe, lo, hi, y + k);
      for (; k < c; ++k) MaxPoolChannels<1>(image + k, g.in_w, c, ys, ye, xs, xe, lo, hi, y + k);
    }
  }
}

}  // namespace qforge::runtime::kernels
