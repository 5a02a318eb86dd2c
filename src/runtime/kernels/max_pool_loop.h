// The max-pooling loop nest, C++ with 16-byte vector types (GCC/Clang vector extensions); the
// ISA files (kernels/x86/pool_*.cc) compile it under their flags, kernels/pool.cc for the
// baseline.
#pragma once

#include <algorithm>
#include <cstring>

#include "runtime/kernels/int8_params.h"

namespace qforge::runtime::kernels {

// 16 int8 lanes (GCC/Clang vector extension: element-wise max and clamp as single
// instructions where the ISA has them).
typedef int8_t Bytes16 __attribute__((vector_size(16)));

inline Bytes16 Load16(const int8_t* p) {
  Bytes16 v;
  std::memcpy(&v, p, 16);
  return v;
}

// Max over the window's taps and the clamp, for channels [k, k + 16) of one output pixel.
inline void MaxPool16(const int8_t* image, int64_t in_w, int64_t c, int ys, int ye, int xs, int xe, Bytes16 lo,
                      Bytes16 hi, int8_t* y) {
  Bytes16 m = Load16(image + (ys * in_w + xs) * c);
  for (int iy = ys; iy < ye; ++iy)
    for (int ix = xs; ix < xe; ++ix) {
      const Bytes16 x = Load16(image + (iy * in_w + ix) * c);
      m = m > x ? m : x;
    }
  m = m > lo ? m : lo;
  m = m < hi ? m : hi;
  std::memcpy(y, &m, 16);
}

// The same for one channel (the last c % 16).
inline void MaxPool1(const int8_t* image, int64_t in_w, int64_t c, int ys, int ye, int xs, int xe, int8_t lo, int8_t hi,
                     int8_t* y) {
  int8_t m = image[(ys * in_w + xs) * c];
  for (int iy = ys; iy < ye; ++iy)
    for (int ix = xs; ix < xe; ++ix) m = std::max(m, image[(iy * in_w + ix) * c]);
  *y = std::min(std::max(m, lo), hi);
}

inline void MaxPoolRows(const ConvGeometry& g, int32_t act_min, int32_t act_max, const int8_t* input,
                        int8_t* output, int row_begin, int row_end) {
  const int c = g.in_c;
  const auto lo = static_cast<int8_t>(act_min), hi = static_cast<int8_t>(act_max);
  const Bytes16 lo16 = Bytes16{} + lo, hi16 = Bytes16{} + hi;
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
      if (ye - ys == 2 && xe - xs == 2) {  // 2x2 windows (the common pooling): four loads, no loops
        const int8_t* p = image + (static_cast<int64_t>(ys) * g.in_w + xs) * c;
        const int64_t down = static_cast<int64_t>(g.in_w) * c;
        for (; k + 16 <= c; k += 16) {
          const Bytes16 a = Load16(p + k), b = Load16(p + c + k), d = Load16(p + down + k), e = Load16(p + down + c + k);
          Bytes16 m = a > b ? a : b;
          const Bytes16 n = d > e ? d : e;
          m = m > n ? m : n;
          m = m > lo16 ? m : lo16;
          m = m < hi16 ? m : hi16;
          std::memcpy(y + k, &m, 16);
        }
      }
      for (; k + 16 <= c; k += 16) MaxPool16(image + k, g.in_w, c, ys, ye, xs, xe, lo16, hi16, y + k);
      for (; k < c; ++k) MaxPool1(image + k, g.in_w, c, ys, ye, xs, xe, lo, hi, y + k);
    }
  }
}

}  // namespace qforge::runtime::kernels
