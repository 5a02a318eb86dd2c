// The max-pooling loop nest, C++ with 16-byte vector types (GCC/Clang vector extensions); the
// ISA files (kernels/x86/pool_*.cc, kernels/arm/pool_neon.cc) compile it under their flags.
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

// The same for layers narrower than a vector (c < 16, e.g. after channel pruning): each tap is
// one 16-byte load that also reads the next pixels' channels, unless it would cross the end of
// the input (`input_end`), where only the c bytes are copied; the c results are written as 16
// bytes when the row has room (the next pixels overwrite the excess), else copied.
inline Bytes16 LoadNarrow(const int8_t* p, int c, const int8_t* input_end) {
  if (p + 16 <= input_end) return Load16(p);
  Bytes16 v{};
  std::memcpy(&v, p, static_cast<size_t>(c));
  return v;
}

inline void MaxPoolNarrow(const int8_t* image, int64_t in_w, int c, int ys, int ye, int xs, int xe, Bytes16 lo,
                          Bytes16 hi, const int8_t* input_end, int8_t* y, const int8_t* row_end) {
  Bytes16 m = LoadNarrow(image + (ys * in_w + xs) * c, c, input_end);
  for (int iy = ys; iy < ye; ++iy)
    for (int ix = xs; ix < xe; ++ix) {
      const Bytes16 x = LoadNarrow(image + (iy * in_w + ix) * c, c, input_end);
      m = m > x ? m : x;
    }
  m = m > lo ? m : lo;
  m = m < hi ? m : hi;
  std::memcpy(y, &m, y + 16 <= row_end ? 16 : static_cast<size_t>(c));
}

inline void MaxPoolRows(const ConvGeometry& g, int32_t act_min, int32_t act_max, const int8_t* input,
                        int8_t* output, int row_begin, int row_end) {
  const int c = g.in_c;
  const Bytes16 lo16 = Bytes16{} + static_cast<int8_t>(act_min), hi16 = Bytes16{} + static_cast<int8_t>(act_max);
  for (int row = row_begin; row < row_end; ++row) {
    const int b = row / g.out_h, oy = row % g.out_h;
    const int y0 = oy * g.stride_h - g.pad_top;
    const int ys = std::max(y0, 0), ye = std::min(y0 + g.kernel_h, g.in_h);
    const int8_t* image = input + static_cast<int64_t>(b) * g.in_h * g.in_w * c;
    const int8_t* input_end = input + static_cast<int64_t>(g.batch) * g.in_h * g.in_w * c;
    const int8_t* row_out_end = output + (static_cast<int64_t>(row) + 1) * g.out_w * c;
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
      if (k < c && c >= 16) {  // the last channels: one more vector, overlapping ones already done
        MaxPool16(image + c - 16, g.in_w, c, ys, ye, xs, xe, lo16, hi16, y + c - 16);
      } else if (k < c) {
        MaxPoolNarrow(image, g.in_w, c, ys, ye, xs, xe, lo16, hi16, input_end, y, row_out_end);
      }
    }
  }
}

}  // namespace qforge::runtime::kernels
