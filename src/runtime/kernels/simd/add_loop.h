// The int8 Add loop over vector traits V (kernels/x86/vec_avx2.h, kernels/arm/vec_neon.h; AVX-512
// reads a table instead): TFLite's formula with the vector fixed-point code.
#pragma once

#include <algorithm>

#include "runtime/kernels/ref/elementwise_ref.h"

namespace qforge::runtime::simd {

template <typename V>
void AddRange(const AddParams& p, int64_t begin, int64_t end, const int8_t* input1, const int8_t* input2,
              int8_t* output) {
  using I = typename V::I;
  struct Multiplier {
    I m, left, right;
  };
  auto vectors = [](QuantizedMultiplier q) {
    return Multiplier{V::Set1(q.multiplier), V::Set1(std::max(q.shift, 0)), V::Set1(std::max(-q.shift, 0))};
  };
  const Multiplier m1 = vectors(p.input1_multiplier), m2 = vectors(p.input2_multiplier),
                   out = vectors(p.output_multiplier);
  const I zp1 = V::Set1(p.input1_zero_point), zp2 = V::Set1(p.input2_zero_point), zp = V::Set1(p.output_zero_point),
          lo = V::Set1(p.act_min), hi = V::Set1(p.act_max);
  for (int64_t i = begin; i < end; i += V::kLanes) {
    const int n = static_cast<int>(std::min<int64_t>(V::kLanes, end - i));
    const I x1 = n == V::kLanes ? V::LoadLanes(input1 + i) : V::LoadBytes(input1 + i, n);
    const I x2 = n == V::kLanes ? V::LoadLanes(input2 + i) : V::LoadBytes(input2 + i, n);
    const I a = V::MulByQuantizedMultiplier(V::ShiftLeft(V::Sub(x1, zp1), p.left_shift), m1.m, m1.left, m1.right);
    const I b = V::MulByQuantizedMultiplier(V::ShiftLeft(V::Sub(x2, zp2), p.left_shift), m2.m, m2.left, m2.right);
    V::StoreBytes(output + i, V::Requantize(V::Add(a, b), out.m, out.left, out.right, zp, lo, hi), n);
  }
}

}  // namespace qforge::runtime::simd
