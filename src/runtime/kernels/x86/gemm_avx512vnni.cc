// int8 GEMM with AVX-512 VNNI (compiled with -mavx512f -mavx512bw -mavx512vl -mavx512vnni).
// A register tile of up to 8 rows x 48 columns (24 int32 accumulators) runs over all of k:
// per group of 4 k, three 64-byte weight loads ([16 columns][4 k] each) and one 4-byte
// broadcast of each row's activations (xor 0x80: a + 128 as u8) feed 24 vpdpbusd. The
// epilogue adds the folded bias, requantizes, clamps and stores 16 columns per vector
// (masked at the right edge).
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "runtime/kernels/gemm.h"
#include "runtime/kernels/x86/requant_avx512.h"

namespace qforge::runtime {
namespace {

constexpr int kMaxRows = 8;
constexpr int kMaxVectors = 3;  // 16 columns each

// acc += x (u8) . w (s8) per 4 bytes, updated in place: with the intrinsic GCC 12 copies
// and spills the accumulator tile on every step.
__attribute__((always_inline)) inline void Dpbusd(__m512i& acc, __m512i x, __m512i w) {
  __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(x), "v"(w));
}

// Multiplies one group of 4 k: `bytes` of each row's activations (4, or the tail of the last
// group) against kVectors weight vectors. Always inlined, with every loop unrolled, so the
// accumulators stay in registers.
template <int kRows, int kVectors, bool kBiased>
__attribute__((always_inline)) inline void Group(__m512i (&acc)[kRows][kVectors], const int8_t* a, int64_t lda,
                                                 const int8_t* b, int64_t block_stride, int bytes) {
  __m512i wv[kVectors];
#pragma GCC unroll 4
  for (int v = 0; v < kVectors; ++v) wv[v] = _mm512_loadu_si512(b + v * block_stride);
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) {
    int32_t four = 0;
    std::memcpy(&four, a + r * lda, bytes);
    const __m512i x = kBiased ? _mm512_set1_epi32(four)
                              : _mm512_xor_si512(_mm512_set1_epi32(four), _mm512_set1_epi32(static_cast<int32_t>(0x80808080u)));
#pragma GCC unroll 4
    for (int v = 0; v < kVectors; ++v) Dpbusd(acc[r][v], x, wv[v]);
  }
}

// kBiased: rows hold a + 128 as u8, zero-padded to whole groups of 4 (GemmInput::kBiasedU8).
template <int kRows, int kVectors, bool kBiased>
void Tile(const GemmWeights& w, const int8_t* a, int64_t lda, int col, int8_t* out, int64_t ldc) {
  const int groups = (w.k + 3) / 4, full_groups = kBiased ? groups : w.k / 4, tail = kBiased ? 0 : w.k % 4;
  const int8_t* b = w.packed.data() + static_cast<int64_t>(col / 16) * groups * 64;
  const int64_t block_stride = static_cast<int64_t>(groups) * 64;  // next 16 columns
  __m512i acc[kRows][kVectors];
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < kVectors; ++v) acc[r][v] = _mm512_setzero_si512();
  for (int g = 0; g < full_groups; ++g) Group<kRows, kVectors, kBiased>(acc, a + 4 * g, lda, b + g * 64, block_stride, 4);
  // The last group's tail; the padded weights are zero beyond k.
  if (tail) Group<kRows, kVectors, kBiased>(acc, a + 4 * full_groups, lda, b + full_groups * 64, block_stride, tail);
  const __m512i zp = _mm512_set1_epi32(w.output_zero_point), lo = _mm512_set1_epi32(w.act_min),
                hi = _mm512_set1_epi32(w.act_max);
#pragma GCC unroll 4
  for (int v = 0; v < kVectors; ++v) {
    const int c = col + 16 * v;
    const __m512i bias = _mm512_loadu_si512(w.bias.data() + c), m = _mm512_loadu_si512(w.multiplier.data() + c),
                  left = _mm512_loadu_si512(w.left_shift.data() + c),
                  right = _mm512_loadu_si512(w.right_shift.data() + c);
    const int valid = w.n - c < 16 ? w.n - c : 16;
    const __mmask16 store = static_cast<__mmask16>((1u << valid) - 1u);
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
      const __m512i q = x86::Requantize(_mm512_add_epi32(acc[r][v], bias), m, left, right, zp, lo, hi);
      _mm_mask_storeu_epi8(out + r * ldc + c, store, _mm512_cvtepi32_epi8(q));
    }
  }
}

template <int kVectors, bool kBiased>
void Columns(const GemmWeights& w, int m, const int8_t* a, int64_t lda, int col, int8_t* out, int64_t ldc) {
  int r = 0;
  for (; r + kMaxRows <= m; r += kMaxRows)
    Tile<kMaxRows, kVectors, kBiased>(w, a + r * lda, lda, col, out + r * ldc, ldc);
  a += r * lda;
  out += r * ldc;
  switch (m - r) {
    case 7: return Tile<7, kVectors, kBiased>(w, a, lda, col, out, ldc);
    case 6: return Tile<6, kVectors, kBiased>(w, a, lda, col, out, ldc);
    case 5: return Tile<5, kVectors, kBiased>(w, a, lda, col, out, ldc);
    case 4: return Tile<4, kVectors, kBiased>(w, a, lda, col, out, ldc);
    case 3: return Tile<3, kVectors, kBiased>(w, a, lda, col, out, ldc);
    case 2: return Tile<2, kVectors, kBiased>(w, a, lda, col, out, ldc);
    case 1: return Tile<1, kVectors, kBiased>(w, a, lda, col, out, ldc);
    default: return;
  }
}

template <bool kBiased>
void Run(const GemmWeights& w, int m, const int8_t* a, int64_t lda, int8_t* out, int64_t ldc, int col_begin,
         int col_end) {
  for (int col = col_begin; col < col_end; col += 16 * kMaxVectors) {
    switch (std::min(kMaxVectors, (col_end - col + 15) / 16)) {  // the last columns may need fewer vectors
      case 3: Columns<3, kBiased>(w, m, a, lda, col, out, ldc); break;
      case 2: Columns<2, kBiased>(w, m, a, lda, col, out, ldc); break;
      default: Columns<1, kBiased>(w, m, a, lda, col, out, ldc); break;
    }
  }
}

}  // namespace

void GemmAvx512Vnni(const GemmWeights& w, int m, const int8_t* a, int64_t lda, int8_t* out, int64_t ldc, int col_begin,
                    int col_end, GemmInput input) {
  if (input == GemmInput::kBiasedU8) return Run<true>(w, m, a, lda, out, ldc, col_begin, col_end);
  Run<false>(w, m, a, lda, out, ldc, col_begin, col_end);
}

}  // namespace qforge::runtime
