// The int8 Mul loop over vector traits V (kernels/x86/vec_avx2.h, vec_avx512.h,
// kernels/arm/vec_neon.h): per pixel, the channels in vectors of V::kLanes (the last one
// partial), against the same pixel of the second input or the sample's gate.
#pragma once

#include <algorithm>

#include "runtime/kernels/ref/mul_ref.h"

namespace qforge::runtime::simd {

template <typename V>
void MulRange(const MulShape& s, const MulParams& p, const int8_t* input1, const int8_t* input2, int8_t* output) {
  using I = typename V::I;
  const QuantizedMultiplier q = p.multiplier;
  const I m = V::Set1(q.multiplier), left = V::Set1(std::max(q.shift, 0)), right = V::Set1(std::max(-q.shift, 0));
  const I zp1 = V::Set1(p.input1_zero_point), zp2 = V::Set1(p.input2_zero_point), zp = V::Set1(p.output_zero_point),
          lo = V::Set1(p.act_min), hi = V::Set1(p.act_max);
  // Same shapes: one row of every element; a gate: a row per pixel, the gate's row per sample.
  const int64_t rows = s.broadcast ? s.samples * s.pixels : 1;
  const int64_t width = s.broadcast ? s.channels : s.samples * s.pixels * s.channels;
  for (int64_t r = 0; r < rows; ++r) {
    const int8_t* a = input1 + r * width;
    const int8_t* b = s.broadcast ? input2 + (r / s.pixels) * s.channels : input2;
    int8_t* out = output + r * width;
    for (int64_t c = 0; c < width; c += V::kLanes) {
      const int n = static_cast<int>(std::min<int64_t>(V::kLanes, width - c));
      const I x1 = n == V::kLanes ? V::LoadLanes(a + c) : V::LoadBytes(a + c, n);
      const I x2 = n == V::kLanes ? V::LoadLanes(b + c) : V::LoadBytes(b + c, n);
      const I product = V::Mul(V::Sub(x1, zp1), V::Sub(x2, zp2));
      V::StoreBytes(out + c, V::Requantize(product, m, left, right, zp, lo, hi), n);
    }
  }
}

}  // namespace qforge::runtime::simd
