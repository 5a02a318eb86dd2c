// The 16x8 mode's requantization with AVX-512 (vpmullq, vpsravq): int64 sums plus the int64
// bias, times the Q15 multiplier, plus 2^(t-1), shifted right arithmetically by t — exactly
// MultiplyByQuantizedMultiplier64 (runtime/quant_math.h) — then the zero point and the clamp,
// as 16 int16. The per-channel tables are kernels/int16_kernels.h's. Included only by files
// compiled with AVX-512 (F, DQ, BW, VL) flags.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace qforge::runtime::x86 {

struct Requant64Tables {
  const int64_t *bias, *reduced, *round, *shift;  // at the first of the 16 channels
};

inline __m256i Requantize64x8(__m512i x, const Requant64Tables& t, int offset) {
  x = _mm512_add_epi64(x, _mm512_loadu_si512(t.bias + offset));
  x = _mm512_mullo_epi64(x, _mm512_loadu_si512(t.reduced + offset));
  x = _mm512_add_epi64(x, _mm512_loadu_si512(t.round + offset));
  x = _mm512_srav_epi64(x, _mm512_loadu_si512(t.shift + offset));
  return _mm512_cvtepi64_epi32(x);
}

// 16 channels' int64 sums (low: channels 0-7, high: 8-15) -> clamp(requantized + zp) as int16.
inline __m256i RequantizeToInt16(__m512i low, __m512i high, const Requant64Tables& t, __m512i zp, __m512i lo,
                                 __m512i hi) {
  __m512i y = _mm512_inserti64x4(_mm512_castsi256_si512(Requantize64x8(low, t, 0)), Requantize64x8(high, t, 8), 1);
  y = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(y, zp), lo), hi);
  return _mm512_cvtepi32_epi16(y);
}

// The same from 16 exact int32 sums.
inline __m256i RequantizeToInt16(__m512i sums, const Requant64Tables& t, __m512i zp, __m512i lo, __m512i hi) {
  return RequantizeToInt16(_mm512_cvtepi32_epi64(_mm512_castsi512_si256(sums)),
                           _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(sums, 1)), t, zp, lo, hi);
}

}  // namespace qforge::runtime::x86
