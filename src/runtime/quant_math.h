// Fixed-point requantization primitives of the int8 runtime (TFLite / gemmlowp semantics, the
// "double rounding" variant; see NUMERICS.md). One implementation, used by the reference
// kernels, the SIMD kernels, the converter and integer-exact evaluation. C++17, header-only.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "runtime/wrapping_math.h"

namespace qforge::runtime {

// A positive real multiplier m = multiplier * 2^(shift - 31), multiplier in [2^30, 2^31).
// shift > 0 means a left shift. m == 0 (or below 2^-32) encodes as {0, 0}.
struct QuantizedMultiplier {
  int32_t multiplier = 0;
  int shift = 0;
};

// Rounds half away from zero (std::round), as TFLite's TfLiteRound.
inline int64_t RoundHalfAwayFromZero(double x) { return static_cast<int64_t>(std::round(x)); }

// The same rounding for |v| < 2^31, written without std::round or branches so that loops over
// it vectorize (the runtime's quantize kernels, fake quantization in training): truncation
// through int32 (exact in that range), then a step away from zero where the remainder v -
// trunc(v) (exact too) is at least one half.
template <typename Real>
inline Real RoundHalfAwayBranchFree(Real v) {
  const Real t = static_cast<Real>(static_cast<int32_t>(v)), d = v - t;
  return t + (d >= Real(0.5) ? Real(1) : (d <= Real(-0.5) ? Real(-1) : Real(0)));
}

// q = clamp(zero_point + round_half_away(real / scale)) into T's range (int8 or int16); NaN
// maps to the zero point, and so does a quotient that is NaN (infinity on an infinite scale: a
// dynamic-range grid made from a damaged tensor's range; found by fuzz_qfm).
template <typename T>
T QuantizeTo(double real, double scale, int32_t zero_point) {
  const double lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  const double q = zero_point + std::round(real / scale);
  if (std::isnan(q)) return static_cast<T>(zero_point);
  return static_cast<T>(q < lo ? lo : (q > hi ? hi : q));
}

inline int8_t QuantizeToInt8(double real, double scale, int32_t zero_point) {
  return QuantizeTo<int8_t>(real, scale, zero_point);
}

// Encodes m >= 0. Values for which frexp's exponent exceeds 31 are out of the representable
// range; callers validate real multipliers before encoding (see IsEncodableMultiplier).
inline QuantizedMultiplier QuantizeMultiplier(double m) {
  QuantizedMultiplier out;
  if (m <= 0.0) return out;
  int shift = 0;
  const double q = std::frexp(m, &shift);  // m = q * 2^shift, q in [0.5, 1)
  int64_t q_fixed = RoundHalfAwayFromZero(q * static_cast<double>(int64_t{1} << 31));
  if (q_fixed == (int64_t{1} << 31)) {
    q_fixed /= 2;
    ++shift;
  }
  if (shift < -31) {
    shift = 0;
    q_fixed = 0;
  }
  out.multiplier = static_cast<int32_t>(q_fixed);
  out.shift = shift;
  return out;
}

// True when QuantizeMultiplier(m) can be applied without overflowing the left shift.
inline bool IsEncodableMultiplier(double m) { return m >= 0.0 && std::isfinite(m) && m < 2147483648.0; }

// floor(a * b / 2^31 + 1/2): the high 32 bits of 2ab, rounded; INT32_MIN * INT32_MIN saturates.
inline int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
  if (a == std::numeric_limits<int32_t>::min() && b == std::numeric_limits<int32_t>::min())
    return std::numeric_limits<int32_t>::max();
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));  // C++ division truncates
}

// x / 2^exponent rounded half away from zero, 0 <= exponent <= 31.
inline int32_t RoundingDivideByPOT(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// x * multiplier * 2^(shift - 31), with TFLite's double rounding.
inline int32_t MultiplyByQuantizedMultiplier(int32_t x, int32_t multiplier, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left);
  return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(shifted, multiplier), right);
}

inline int32_t MultiplyByQuantizedMultiplier(int32_t x, QuantizedMultiplier m) {
  return MultiplyByQuantizedMultiplier(x, m.multiplier, m.shift);
}

// The 16x8 mode's requantization of int64 accumulators (TFLite's int64 overload in
// kernels/internal/common.h): the Q31 multiplier is reduced to Q15 with rounding, then one
// rounding shift: (x * m15 + 2^(t-1)) >> t with t = 15 - shift. Valid for -31 <= shift <= 7
// and |x| < 2^47 (checked at prepare time, see IsEncodableMultiplier64).
inline int32_t MultiplyByQuantizedMultiplier64(int64_t x, int32_t multiplier, int shift) {
  const int32_t reduced = multiplier < 0x7FFF0000 ? (multiplier + (1 << 15)) >> 16 : 0x7FFF;
  const int total_shift = 15 - shift;
  const int64_t rounded = WrappingAdd(WrappingMul(x, int64_t{reduced}), int64_t{1} << (total_shift - 1));
  return static_cast<int32_t>(rounded >> total_shift);
}

// The output stage every integer kernel ends with (gemmlowp's requantize-and-clamp): the
// accumulator rescaled to the output's grid, moved by its zero point, clamped to [lo, hi] (the
// type's range narrowed by a fused activation). int32 accumulators as above; int64 ones (16x8)
// with the int64 rescale.
inline int32_t RequantizeClamp(int32_t acc, QuantizedMultiplier m, int32_t zero_point, int32_t lo, int32_t hi) {
  return std::clamp(WrappingAdd(MultiplyByQuantizedMultiplier(acc, m), zero_point), lo, hi);
}
inline int32_t RequantizeClamp(int64_t acc, QuantizedMultiplier m, int32_t zero_point, int32_t lo, int32_t hi) {
  return std::clamp(WrappingAdd(MultiplyByQuantizedMultiplier64(acc, m.multiplier, m.shift), zero_point), lo, hi);
}

// True when the 16x8 requantization can apply QuantizeMultiplier(m).
inline bool IsEncodableMultiplier64(double m) {
  return m > 0.0 && std::isfinite(m) && m < 64.0;
}

}  // namespace qforge::runtime
