// Vector traits for AVX-512 (16 int32 lanes), used by the depthwise and Mul loop nests it
// shares with AVX2: loads of int8 lanes (masked at the end), multiply-add, requantization, stores.
// Included only by files compiled with AVX-512 flags. (AVX-512 Add reads a table instead.)
#pragma once

#include <immintrin.h>

#include "runtime/kernels/x86/requant_avx512.h"

namespace qforge::runtime::x86 {

struct Avx512 {
  using I = __m512i;
  static constexpr int kLanes = 16;
  static I Set1(int32_t v) { return _mm512_set1_epi32(v); }
  static I Load(const int32_t* p) { return _mm512_loadu_si512(p); }
  static I LoadLanes(const int8_t* p) {  // all 16 bytes, sign-extended
    return _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static I LoadBytes(const int8_t* p, int n) {
    return _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(static_cast<__mmask16>((1u << n) - 1u), p));
  }
  static I Sub(I a, I b) { return _mm512_sub_epi32(a, b); }
  static I Add(I a, I b) { return _mm512_add_epi32(a, b); }
  static I Mul(I a, I b) { return _mm512_mullo_epi32(a, b); }
  // acc + x * w per lane, x in int16 range, w an int16 in the low half with the high half zero.
  static I MulAdd(I acc, I x, I w) { return _mm512_dpwssd_epi32(acc, x, w); }
  static I Requantize(I acc, I m, I left, I right, I zp, I lo, I hi) {
    return x86::Requantize(acc, m, left, right, zp, lo, hi);
  }
  static void StoreBytes(int8_t* p, I v, int n) {
    _mm_mask_storeu_epi8(p, static_cast<__mmask16>((1u << n) - 1u), _mm512_cvtepi32_epi8(v));
  }
};

}  // namespace qforge::runtime::x86
