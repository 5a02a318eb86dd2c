// The dynamic-range layers' epilogue (kernels/hybrid.h) over a float vector-traits type V, in
// place: each accumulator — int32 (corrected for the sample's zero point) or an exact integer
// float — times input scale x filter scale, plus the bias, clamped; the reference's
// (ref::HybridOutput) operations in its order, so the files that compile it must not contract
// the multiply and add into a fused one (-ffp-contract=off).
#pragma once

#include <algorithm>
#include <cstdint>

#include "runtime/kernels/float_kernels.h"

namespace qforge::runtime::x86 {

template <typename V>
void HybridFinishLoop(int64_t pixels, int c, const int32_t* correction, float scale, const float* filter_scale,
                      const float* bias, ref::FloatActivation act, float* inout) {
  using F = typename V::F;
  const F lo = V::Set1(act.min), hi = V::Set1(act.max), s = V::Set1(scale);
  for (int64_t p = 0; p < pixels; ++p) {
    float* y = inout + p * c;
    for (int c0 = 0; c0 < c; c0 += V::kLanes) {
      const int lanes = std::min(V::kLanes, c - c0);
      F v = correction ? V::IntToFloat(V::SubInt(V::LoadInt(y + c0, lanes), V::LoadInt(correction + c0, lanes)))
                       : V::LoadN(y + c0, lanes);
      v = V::Mul(v, V::Mul(s, V::LoadN(filter_scale + c0, lanes)));
      if (bias) v = V::Add(v, V::LoadN(bias + c0, lanes));
      V::StoreN(y + c0, V::Min(hi, V::Max(lo, v)), lanes);
    }
  }
}

}  // namespace qforge::runtime::x86
