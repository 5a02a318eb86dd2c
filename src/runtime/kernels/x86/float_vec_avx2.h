// Float vector traits for AVX2 + FMA (8 lanes), used by the float loop nests it shares with
// AVX-512 (kernels/x86/float_gemm_loop.h, float_window_loop.h): loads and stores of n < 8 lanes
// use vmaskmov, touching nothing past them. Included only by files compiled with AVX2 flags.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace qforge::runtime::x86 {

struct FloatAvx2 {
  using F = __m256;
  static constexpr int kLanes = 8;
  static constexpr int kTileRows = 6;  // GEMM register tile: 6 rows x 2 vectors = 12 of the 16 registers
  static __m256i Mask(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static F Zero() { return _mm256_setzero_ps(); }
  static F Set1(float v) { return _mm256_set1_ps(v); }
  static F Load(const float* p) { return _mm256_loadu_ps(p); }
  static F LoadN(const float* p, int n) { return _mm256_maskload_ps(p, Mask(n)); }
  static void Store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static void StoreN(float* p, F v, int n) { _mm256_maskstore_ps(p, Mask(n), v); }
  static F Fma(F a, F b, F acc) { return _mm256_fmadd_ps(a, b, acc); }
  static F Add(F a, F b) { return _mm256_add_ps(a, b); }
  static F Mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F Div(F a, F b) { return _mm256_div_ps(a, b); }
  // n int32 lanes from p (which may hold floats' memory: loads through intrinsics may alias).
  using I = __m256i;
  static I LoadInt(const void* p, int n) { return _mm256_maskload_epi32(static_cast<const int*>(p), Mask(n)); }
  static I SubInt(I a, I b) { return _mm256_sub_epi32(a, b); }
  static F IntToFloat(I a) { return _mm256_cvtepi32_ps(a); }
  // max(a, b) and min(a, b) returning b where either is NaN (as std::clamp keeps a NaN value).
  static F Max(F a, F b) { return _mm256_max_ps(a, b); }
  static F Min(F a, F b) { return _mm256_min_ps(a, b); }
};

}  // namespace qforge::runtime::x86
