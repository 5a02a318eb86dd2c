// The depthwise loop nest shared by the AVX2 and AVX-512 kernels, over a vector-traits type V
// (lanes of int32): per output pixel, up to four channel vectors accumulate their in-image taps
// as independent chains, then requantize and store. Loads and stores at the last channels are
// partial (masked), so nothing outside the tensors is touched.
#pragma once

#include <algorithm>

#include "runtime/kernels/depthwise.h"
#include "runtime/kernels/ref/conv_loops.h"

namespace qforge::runtime::x86 {

// One output pixel whose window is inside the image, channels [c0, c0 + kVectors * lanes).
template <typename V, int kVectors>
inline void InsideVectors(const DepthwiseWeights& w, const int8_t* origin, int c0, typename V::I zp_out,
                          typename V::I lo, typename V::I hi, int8_t* out_pixel) {
  using I = typename V::I;
  constexpr int kLanes = V::kLanes;
  I acc[kVectors];
  for (int k = 0; k < kVectors; ++k) acc[k] = V::Load(w.inside_bias.data() + c0 + k * kLanes);
  for (size_t t = 0; t < w.tap_offsets.size(); ++t) {
    const int8_t* x = origin + w.tap_offsets[t] + c0;
    const int32_t* wt = w.w.data() + t * w.padded_c + c0;
    for (int k = 0; k < kVectors; ++k) acc[k] = V::MulAdd(acc[k], V::LoadBytes(x + k * kLanes, kLanes), V::Load(wt + k * kLanes));
  }
  for (int k = 0; k < kVectors; ++k) {
    const int c = c0 + k * kLanes;
    const I q = V::Requantize(acc[k], V::Load(w.multiplier.data() + c), V::Load(w.left_shift.data() + c),
                              V::Load(w.right_shift.data() + c), zp_out, lo, hi);
    V::StoreBytes(out_pixel + c, q, kLanes);
  }
}

template <typename V>
void DepthwiseRows(const DepthwiseWeights& w, const int8_t* input, int8_t* output, int row_begin, int row_end) {
  using I = typename V::I;
  constexpr int kBlocks = 4, kLanes = V::kLanes;
  const ConvGeometry& g = w.g;
  const I zp_in = V::Set1(w.input_zero_point), zp_out = V::Set1(w.output_zero_point), lo = V::Set1(w.act_min),
          hi = V::Set1(w.act_max);
  for (int row = row_begin; row < row_end; ++row) {
    const int b = row / g.out_h, oy = row % g.out_h;
    int8_t* out_row = output + (static_cast<int64_t>(b) * g.out_h + oy) * g.out_w * g.out_c;
    const int y0 = oy * g.stride_h - g.pad_top;
    const bool rows_inside = y0 >= 0 && y0 + (g.kernel_h - 1) * g.dilation_h < g.in_h;
    for (int ox = 0; ox < g.out_w; ++ox) {
      const int x0 = ox * g.stride_w - g.pad_left;
      const bool inside = rows_inside && x0 >= 0 && x0 + (g.kernel_w - 1) * g.dilation_w < g.in_w;
      const int8_t* origin = input + ((static_cast<int64_t>(b) * g.in_h + y0) * g.in_w + x0) * g.in_c;
      int c0 = 0;
      // Inside windows, whole channel vectors (up to four at a time): every tap counts, so the
      // zero point is in the bias and the taps add w * a with no checks.
      while (inside && c0 + kLanes <= g.out_c) {
        const int vectors = std::min(kBlocks, (g.out_c - c0) / kLanes);
        switch (vectors) {
          case 4: InsideVectors<V, 4>(w, origin, c0, zp_out, lo, hi, out_row + static_cast<int64_t>(ox) * g.out_c); break;
          case 3: InsideVectors<V, 3>(w, origin, c0, zp_out, lo, hi, out_row + static_cast<int64_t>(ox) * g.out_c); break;
          case 2: InsideVectors<V, 2>(w, origin, c0, zp_out, lo, hi, out_row + static_cast<int64_t>(ox) * g.out_c); break;
          default: InsideVectors<V, 1>(w, origin, c0, zp_out, lo, hi, out_row + static_cast<int64_t>(ox) * g.out_c);
        }
        c0 += vectors * kLanes;
      }
      for (; c0 < g.out_c; c0 += kLanes * kBlocks) {
        I acc[kBlocks];
        int valid[kBlocks];
        for (int k = 0; k < kBlocks; ++k) {
          valid[k] = std::clamp(g.out_c - c0 - k * kLanes, 0, kLanes);
          acc[k] = V::Load(w.bias.data() + std::min(c0 + k * kLanes, w.padded_c - kLanes));
        }
        // Border windows and the last channels (the inside ones took the path above): the
        // reference's tap walk, padding taps skipped.
        ref::ForEachConvTap(g, b, oy, ox, [&](int64_t in_index, int tap) {
          const int8_t* x = input + in_index + c0;
          const int32_t* wt = w.w.data() + tap * w.padded_c + c0;
          for (int k = 0; k < kBlocks; ++k)
            if (valid[k] > 0)
              acc[k] = V::MulAdd(acc[k], V::Sub(V::LoadBytes(x + k * kLanes, valid[k]), zp_in), V::Load(wt + k * kLanes));
        });
        for (int k = 0; k < kBlocks && valid[k] > 0; ++k) {
          const int c = c0 + k * kLanes;
          const I q = V::Requantize(acc[k], V::Load(w.multiplier.data() + c), V::Load(w.left_shift.data() + c),
                                    V::Load(w.right_shift.data() + c), zp_out, lo, hi);
          V::StoreBytes(out_row + static_cast<int64_t>(ox) * g.out_c + c, q, valid[k]);
        }
      }
    }
  }
}

}  // namespace qforge::runtime::x86
