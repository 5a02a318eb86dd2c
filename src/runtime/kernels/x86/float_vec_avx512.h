// Float vector traits for AVX-512 (16 lanes), used by the float loop nests it shares with AVX2
// (kernels/x86/float_gemm_loop.h, float_window_loop.h): loads and stores of n < 16 lanes are
// masked, touching nothing past them. Included only by files compiled with AVX-512 flags.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace qforge::runtime::x86 {

struct FloatAvx512 {
  using F = __m512;
  static constexpr int kLanes = 16;
  static constexpr int kTileRows = 12;  // GEMM register tile: 12 rows x 2 vectors = 24 accumulators
  static __mmask16 Mask(int n) { return static_cast<__mmask16>((1u << n) - 1u); }
  static F Zero() { return _mm512_setzero_ps(); }
  static F Set1(float v) { return _mm512_set1_ps(v); }
  static F Load(const float* p) { return _mm512_loadu_ps(p); }
  static F LoadN(const float* p, int n) { return _mm512_maskz_loadu_ps(Mask(n), p); }
  static void Store(float* p, F v) { _mm512_storeu_ps(p, v); }
  static void StoreN(float* p, F v, int n) { _mm512_mask_storeu_ps(p, Mask(n), v); }
  static F Fma(F a, F b, F acc) { return _mm512_fmadd_ps(a, b, acc); }
  static F Add(F a, F b) { return _mm512_add_ps(a, b); }
  static F Mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F Div(F a, F b) { return _mm512_div_ps(a, b); }
  // n int32 lanes from p (which may hold floats' memory: loads through intrinsics may alias).
  using I = __m512i;
  static I LoadInt(const void* p, int n) { return _mm512_maskz_loadu_epi32(Mask(n), p); }
  static I SubInt(I a, I b) { return _mm512_sub_epi32(a, b); }
  static F IntToFloat(I a) { return _mm512_cvtepi32_ps(a); }
  // max(a, b) and min(a, b) returning b where either is NaN (as std::clamp keeps a NaN value).
  static F Max(F a, F b) { return _mm512_max_ps(a, b); }
  static F Min(F a, F b) { return _mm512_min_ps(a, b); }
};

}  // namespace qforge::runtime::x86
