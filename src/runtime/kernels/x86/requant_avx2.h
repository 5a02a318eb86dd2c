// Requantization of 8 int32 lanes with AVX2, bit-exact with quant_math.h's
// MultiplyByQuantizedMultiplier (the same derivation as requant_avx512.h). Included only by
// files compiled with AVX2 flags.
#pragma once

#include <immintrin.h>

namespace qforge::runtime::x86 {

// SaturatingRoundingDoublingHighMul(x, m) for m >= 0: (x * m + 2^30) >> 31.
inline __m256i RoundingDoublingHighMul(__m256i x, __m256i m) {
  const __m256i nudge = _mm256_set1_epi64x(int64_t{1} << 30);
  const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(x, m), nudge);
  const __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(m, 32)), nudge);
  return _mm256_blend_epi32(_mm256_srli_epi64(even, 31), _mm256_slli_epi64(odd, 1), 0xAA);
}

// RoundingDivideByPOT(x, e) per lane, 0 <= e <= 31.
inline __m256i RoundingDivideByPot(__m256i x, __m256i e) {
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, e), one);
  const __m256i remainder = _mm256_and_si256(x, mask);
  // threshold = (mask >> 1) + (x < 0); the comparisons give -1 for true.
  const __m256i threshold = _mm256_sub_epi32(_mm256_srai_epi32(mask, 1), _mm256_cmpgt_epi32(_mm256_setzero_si256(), x));
  return _mm256_sub_epi32(_mm256_srav_epi32(x, e), _mm256_cmpgt_epi32(remainder, threshold));
}

// clamp(MultiplyByQuantizedMultiplier(acc, m, left - right) + zp, lo, hi).
inline __m256i Requantize(__m256i acc, __m256i m, __m256i left, __m256i right, __m256i zp, __m256i lo, __m256i hi) {
  const __m256i v = RoundingDivideByPot(RoundingDoublingHighMul(_mm256_sllv_epi32(acc, left), m), right);
  return _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(v, zp), lo), hi);
}

}  // namespace qforge::runtime::x86
