// Requantization of 16 int32 lanes with AVX-512, bit-exact with quant_math.h's
// MultiplyByQuantizedMultiplier (double rounding). Included only by files compiled with
// AVX-512 flags.
#pragma once

#include <immintrin.h>

namespace qforge::runtime::x86 {

// SaturatingRoundingDoublingHighMul(x, m) for m >= 0, where it equals (x * m + 2^30) >> 31 —
// the C division's truncation and the sign-dependent nudge cancel out — and cannot saturate
// (that needs x = m = INT32_MIN). Even lanes multiply in place, odd lanes after a 32-bit shift.
inline __m512i RoundingDoublingHighMul(__m512i x, __m512i m) {
  const __m512i nudge = _mm512_set1_epi64(int64_t{1} << 30);
  const __m512i even = _mm512_add_epi64(_mm512_mul_epi32(x, m), nudge);
  const __m512i odd = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), _mm512_srli_epi64(m, 32)), nudge);
  // Bits 31..62 of each product: the low half of even >> 31, the high half of odd << 1.
  return _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 31), _mm512_slli_epi64(odd, 1));
}

// RoundingDivideByPOT(x, e) per lane, 0 <= e <= 31.
inline __m512i RoundingDivideByPot(__m512i x, __m512i e) {
  const __m512i one = _mm512_set1_epi32(1);
  const __m512i mask = _mm512_sub_epi32(_mm512_sllv_epi32(one, e), one);
  const __m512i remainder = _mm512_and_si512(x, mask);
  __m512i threshold = _mm512_srai_epi32(mask, 1);
  threshold = _mm512_mask_add_epi32(threshold, _mm512_cmplt_epi32_mask(x, _mm512_setzero_si512()), threshold, one);
  const __m512i shifted = _mm512_srav_epi32(x, e);
  return _mm512_mask_add_epi32(shifted, _mm512_cmpgt_epi32_mask(remainder, threshold), shifted, one);
}

// clamp(MultiplyByQuantizedMultiplier(acc, m, left - right) + zp, lo, hi).
inline __m512i Requantize(__m512i acc, __m512i m, __m512i left, __m512i right, __m512i zp, __m512i lo, __m512i hi) {
  const __m512i v = RoundingDivideByPot(RoundingDoublingHighMul(_mm512_sllv_epi32(acc, left), m), right);
  return _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(v, zp), lo), hi);
}

// The same requantization without the clamp, as one rounding shift of the 64-bit product (the
// GEMM epilogue's form, 13 instead of 16 vector operations). With P = x m (m >= 0) and e the
// right shift, MultiplyByQuantizedMultiplier computes q = floor((P + 2^30) / 2^31), then
// RoundingDivideByPOT r = floor((q + h - s) / 2^e) with h = 2^(e-1) and s = [q < 0] (h = s = 0
// when e = 0). Since floor(floor(a / 2^31) / 2^e) = floor(a / 2^(31+e)) and h - s is an
// integer, r = floor((P + 2^30 + (h - s) 2^31) / 2^(31+e)) — no overflow: |P| < 2^62. s may be
// taken as [P < 0]: they differ only for P in [-2^30, 0), where q = 0 and both give r = 0.
// Per 64-bit lane (even columns in `add`..`shift`'s first vector, odd in the second): `add` =
// 2^30 + h 2^31, `add_negative` = add - s 2^31 for P < 0, `shift` = 31 + e; m_odd = m >> 32.
struct OneShiftRequant {
  __m512i m, m_odd, add_even, add_odd, add_negative_even, add_negative_odd, shift_even, shift_odd;
};

inline __m512i RequantizeOneShift(__m512i x, const OneShiftRequant& q) {
  const __m512i even = _mm512_mul_epi32(x, q.m), odd = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), q.m_odd);
  const __m512i rounded_even = _mm512_srav_epi64(
      _mm512_add_epi64(even, _mm512_mask_blend_epi64(_mm512_cmplt_epi64_mask(even, _mm512_setzero_si512()), q.add_even, q.add_negative_even)),
      q.shift_even);
  const __m512i rounded_odd = _mm512_srav_epi64(
      _mm512_add_epi64(odd, _mm512_mask_blend_epi64(_mm512_cmplt_epi64_mask(odd, _mm512_setzero_si512()), q.add_odd, q.add_negative_odd)),
      q.shift_odd);
  // The low 32 bits of each: lanes 0, 2, .. from the even products, 1, 3, .. from the odd.
  const __m512i interleave = _mm512_set_epi32(30, 14, 28, 12, 26, 10, 24, 8, 22, 6, 20, 4, 18, 2, 16, 0);
  return _mm512_permutex2var_epi32(rounded_even, interleave, rounded_odd);
}

}  // namespace qforge::runtime::x86
