// Vector traits for AVX2 (8 int32 lanes), used by the depthwise and Mul loop nests (shared with
// AVX-512) and the Add loop: loads of int8 lanes (partial at the end), arithmetic, requantization,
// stores. Included only by files compiled with AVX2 flags.
#pragma once

#include <immintrin.h>

#include <cstring>

#include "runtime/kernels/x86/requant_avx2.h"

namespace qforge::runtime::x86 {

struct Avx2 {
  using I = __m256i;
  static constexpr int kLanes = 8;
  static I Set1(int32_t v) { return _mm256_set1_epi32(v); }
  static I Load(const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static I LoadLanes(const int8_t* p) {  // all 8 bytes, sign-extended
    return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  }
  static I LoadBytes(const int8_t* p, int n) {
    int64_t bytes = 0;
    std::memcpy(&bytes, p, static_cast<size_t>(n));  // n <= 8: never past the tensor
    return _mm256_cvtepi8_epi32(_mm_cvtsi64_si128(bytes));
  }
  static I Sub(I a, I b) { return _mm256_sub_epi32(a, b); }
  static I Add(I a, I b) { return _mm256_add_epi32(a, b); }
  static I Mul(I a, I b) { return _mm256_mullo_epi32(a, b); }
  static I ShiftLeft(I a, int bits) { return _mm256_slli_epi32(a, bits); }
  static I MulByQuantizedMultiplier(I x, I m, I left, I right) {
    return x86::RoundingDivideByPot(x86::RoundingDoublingHighMul(_mm256_sllv_epi32(x, left), m), right);
  }
  // acc + x * w per lane, x in int16 range, w an int16 in the low half with the high half zero.
  static I MulAdd(I acc, I x, I w) { return _mm256_add_epi32(acc, _mm256_madd_epi16(x, w)); }
  static I Requantize(I acc, I m, I left, I right, I zp, I lo, I hi) {
    return x86::Requantize(acc, m, left, right, zp, lo, hi);
  }
  static void StoreBytes(int8_t* p, I v, int n) {
    const __m128i q16 = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    const int64_t bytes = _mm_cvtsi128_si64(_mm_packs_epi16(q16, q16));
    std::memcpy(p, &bytes, static_cast<size_t>(n));
  }
};


}  // namespace qforge::runtime::x86
