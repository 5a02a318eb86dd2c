// The depthwise loop nest shared by the AVX2, AVX-512 and NEON kernels, over a vector-traits type V
// (lanes of int32), on one band of a padded input (kernels/padded_bands.h): every window lies
// inside it, so each output pixel's taps are fixed offsets from its origin. Up to four channel
// vectors of one pixel (or, with at most two vectors of channels, of four pixels) accumulate
// their taps as independent chains, then requantize and store; the last channels load and
// store partial (masked) vectors, touching nothing outside.
#pragma once

#include <algorithm>

#include "runtime/kernels/depthwise.h"

namespace qforge::runtime::simd {

// Channels [c0, c0 + kVectors * lanes) of kPixels output pixels (origins `step` bytes apart,
// outputs out_c apart): kPixels * kVectors independent accumulator chains. The last vector has
// `last` valid lanes.
template <typename V, int kVectors, int kPixels>
inline void PixelVectors(const DepthwiseWeights& w, const int8_t* origin, int64_t step, int c0, int last,
                         typename V::I zp_out, typename V::I lo, typename V::I hi, int8_t* out_pixel) {
  using I = typename V::I;
  constexpr int kLanes = V::kLanes;
  const int out_c = w.g.out_c;
  I acc[kPixels][kVectors];
  for (int k = 0; k < kVectors; ++k) {
    const I bias = V::Load(w.inside_bias.data() + c0 + k * kLanes);
    for (int p = 0; p < kPixels; ++p) acc[p][k] = bias;
  }
  const int32_t* wt = w.w.data() + c0;
  for (const int64_t offset : w.tap_offsets) {
    const int8_t* x = origin + offset + c0;
    for (int k = 0; k < kVectors; ++k) {
      const I weights = V::Load(wt + k * kLanes);
      const int lanes = k + 1 < kVectors ? kLanes : last;
      for (int p = 0; p < kPixels; ++p) {
        const int8_t* bytes = x + p * step + k * kLanes;
        acc[p][k] = V::MulAdd(acc[p][k], lanes == kLanes ? V::LoadLanes(bytes) : V::LoadBytes(bytes, lanes), weights);
      }
    }
    wt += w.padded_c;
  }
  for (int k = 0; k < kVectors; ++k) {
    const int c = c0 + k * kLanes;
    const I m = V::Load(w.multiplier.data() + c), left = V::Load(w.left_shift.data() + c),
            right = V::Load(w.right_shift.data() + c);
    for (int p = 0; p < kPixels; ++p)
      V::StoreBytes(out_pixel + p * out_c + c, V::Requantize(acc[p][k], m, left, right, zp_out, lo, hi),
                    k + 1 < kVectors ? kLanes : last);
  }
}

// kPixels output pixels from `origin`, all channels.
template <typename V, int kPixels>
inline void Pixels(const DepthwiseWeights& w, const int8_t* origin, int64_t step, typename V::I zp_out,
                   typename V::I lo, typename V::I hi, int8_t* out_pixel) {
  constexpr int kLanes = V::kLanes;
  const int out_c = w.g.out_c;
  for (int c0 = 0; c0 < out_c; c0 += 4 * kLanes) {
    const int vectors = std::min(4, (out_c - c0 + kLanes - 1) / kLanes);
    const int last = std::min(kLanes, out_c - c0 - (vectors - 1) * kLanes);  // lanes of the last vector
    switch (vectors) {
      case 4: PixelVectors<V, 4, kPixels>(w, origin, step, c0, last, zp_out, lo, hi, out_pixel); break;
      case 3: PixelVectors<V, 3, kPixels>(w, origin, step, c0, last, zp_out, lo, hi, out_pixel); break;
      case 2: PixelVectors<V, 2, kPixels>(w, origin, step, c0, last, zp_out, lo, hi, out_pixel); break;
      default: PixelVectors<V, 1, kPixels>(w, origin, step, c0, last, zp_out, lo, hi, out_pixel);
    }
  }
}

template <typename V>
void DepthwiseBand(const DepthwiseWeights& w, const int8_t* padded, int64_t row_bytes, int out_rows, int8_t* output) {
  using I = typename V::I;
  const ConvGeometry& g = w.g;
  const I zp_out = V::Set1(w.output_zero_point), lo = V::Set1(w.act_min), hi = V::Set1(w.act_max);
  const int64_t step = static_cast<int64_t>(g.stride_w) * g.in_c;  // next output pixel's origin
  // Up to two channel vectors: four pixels at a time, so enough chains run side by side.
  const bool narrow = g.out_c <= 2 * V::kLanes;
  for (int r = 0; r < out_rows; ++r) {
    const int8_t* origin = padded + r * g.stride_h * row_bytes;
    int8_t* out_pixel = output + static_cast<int64_t>(r) * g.out_w * g.out_c;
    int ox = 0;
    for (; narrow && ox + 4 <= g.out_w; ox += 4)
      Pixels<V, 4>(w, origin + ox * step, step, zp_out, lo, hi, out_pixel + static_cast<int64_t>(ox) * g.out_c);
    for (; ox < g.out_w; ++ox)
      Pixels<V, 1>(w, origin + ox * step, step, zp_out, lo, hi, out_pixel + static_cast<int64_t>(ox) * g.out_c);
  }
}

}  // namespace qforge::runtime::simd
