// The quantization loop of kernels/quantize.h, plain C++ written to vectorize under each ISA's
// flags (no std::round, no branches in the inner loops).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "runtime/quant_math.h"

namespace qforge::runtime::kernels {

// q = clamp(zp + round_half_away(raw)) for a scaled value raw, as ref::Quantize (NaN -> zp).
// raw is first clamped to [-129 - zp, 128 - zp]: the final clamp is unchanged and truncation
// through int32 is exact.
template <typename Real>
inline int8_t QuantizeScaled(Real raw, Real zp, Real lo, Real hi) {
  Real v = raw > lo ? raw : lo;  // NaN -> lo, replaced below
  v = v < hi ? v : hi;
  Real q = RoundHalfAwayBranchFree(v) + zp;
  q = q > Real(-128) ? q : Real(-128);
  q = q < Real(127) ? q : Real(127);
  q = raw == raw ? q : zp;
  return static_cast<int8_t>(static_cast<int32_t>(q));
}

inline void QuantizeRange(float scale, int32_t zero_point, int64_t begin, int64_t end, const float* __restrict input,
                          int8_t* __restrict output) {
  // The reference divides in double. Blocks first multiply by 1 / s in float (16 lanes, no
  // division): after the clamp |v| <= 257, where that product is within 4e-5 of the double
  // quotient, so the two round alike unless one lies within 1e-4 of a boundary k + 1/2; a block
  // where any value does is done again the reference's way.
  const double s = scale, zp = zero_point;
  const float inv = static_cast<float>(1.0 / s), zp_f = static_cast<float>(zp);
  const float lo_f = -129.0f - zp_f, hi_f = 128.0f - zp_f;
  constexpr int64_t kBlock = 64;
  for (int64_t first = begin; first < end; first += kBlock) {
    const int64_t last = std::min(end, first + kBlock);
    int near_half = 0;
    for (int64_t i = first; i < last; ++i) {
      const float raw = input[i] * inv;
      float v = raw > lo_f ? raw : lo_f;
      v = v < hi_f ? v : hi_f;
      near_half |= std::fabs(std::fabs(v - static_cast<float>(static_cast<int32_t>(v))) - 0.5f) < 1e-4f;
      output[i] = QuantizeScaled<float>(raw, zp_f, lo_f, hi_f);
    }
    if (!near_half) continue;
    for (int64_t i = first; i < last; ++i)
      output[i] = QuantizeScaled<double>(static_cast<double>(input[i]) / s, zp, -129.0 - zp, 128.0 - zp);
  }
}

}  // namespace qforge::runtime::kernels
