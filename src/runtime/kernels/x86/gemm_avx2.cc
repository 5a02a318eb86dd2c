// int8 GEMM with AVX2 (compiled with -mavx2 -mfma). No 8-bit multiply-add is exact in AVX2
// (vpmaddubsw saturates), so activations are widened to int16 a - zp and multiplied with
// int16 weights by vpmaddwd, which adds pairs of k exactly into int32. Weights are packed
// [n/8][k/2][8][2] int16; a row tile's activations are widened a chunk of k at a time into a
// stack buffer; the register tile is up to 4 rows x 16 columns (8 accumulators). Weights packed
// for int32 output store the accumulators instead of requantizing them.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "runtime/kernels/gemm.h"
#include "runtime/kernels/x86/requant_avx2.h"

namespace qforge::runtime {
namespace {

constexpr int kMaxRows = 4;
constexpr int kMaxVectors = 2;  // 8 columns each: 8 accumulators leave AVX2's 16 registers room
constexpr int kChunk = 512;     // k per widened chunk (even)

// Widens k values [k0, k0 + count) of a row to int16 a - zp, zero-padded to an even count.
void Widen(const int8_t* row, int k0, int count, int32_t zp, int16_t* out) {
  const __m256i z = _mm256_set1_epi16(static_cast<int16_t>(zp));
  int i = 0;
  for (; i + 16 <= count; i += 16) {
    const __m256i x = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + k0 + i)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm256_sub_epi16(x, z));
  }
  for (; i < count; ++i) out[i] = static_cast<int16_t>(row[k0 + i] - zp);
  if (count % 2) out[count] = 0;
}

template <int kRows, int kVectors>
void Tile(const GemmWeights& w, const int8_t* a, int64_t lda, int col, int8_t* out, int64_t ldc) {
  const int pairs = (w.k + 1) / 2;
  const int16_t* b = reinterpret_cast<const int16_t*>(w.packed.data()) + static_cast<int64_t>(col / 8) * pairs * 16;
  const int64_t block_stride = static_cast<int64_t>(pairs) * 16;  // int16s to the next 8 columns
  alignas(32) int16_t widened[kRows][kChunk + 2];
  __m256i acc[kRows][kVectors];
  for (int r = 0; r < kRows; ++r)
    for (int v = 0; v < kVectors; ++v) acc[r][v] = _mm256_setzero_si256();
  for (int k0 = 0; k0 < w.k; k0 += kChunk) {
    const int count = std::min(kChunk, w.k - k0);
    for (int r = 0; r < kRows; ++r) Widen(a + r * lda, k0, count, w.input_zero_point, widened[r]);
    for (int p = 0; p < (count + 1) / 2; ++p) {
      __m256i wv[kVectors];
      for (int v = 0; v < kVectors; ++v)
        wv[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + v * block_stride + (k0 / 2 + p) * 16));
      for (int r = 0; r < kRows; ++r) {
        int32_t pair;
        std::memcpy(&pair, widened[r] + 2 * p, 4);
        const __m256i x = _mm256_set1_epi32(pair);
        for (int v = 0; v < kVectors; ++v) acc[r][v] = _mm256_add_epi32(acc[r][v], _mm256_madd_epi16(x, wv[v]));
      }
    }
  }
  if (w.int32_output) {  // raw accumulators for the caller's epilogue
    int32_t* out32 = reinterpret_cast<int32_t*>(out);
    for (int v = 0; v < kVectors; ++v) {
      const int c = col + 8 * v, valid = std::min(8, w.n - c);
      for (int r = 0; r < kRows; ++r) {
        alignas(32) int32_t lanes[8];
        _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), acc[r][v]);
        std::memcpy(out32 + r * ldc + c, lanes, valid * sizeof(int32_t));
      }
    }
    return;
  }
  const __m256i zp = _mm256_set1_epi32(w.output_zero_point), lo = _mm256_set1_epi32(w.act_min),
                hi = _mm256_set1_epi32(w.act_max);
  for (int v = 0; v < kVectors; ++v) {
    const int c = col + 8 * v;
    auto load = [c](const std::vector<int32_t>& t) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.data() + c)); };
    const __m256i bias = load(w.bias), m = load(w.multiplier), left = load(w.left_shift), right = load(w.right_shift);
    const int valid = std::min(8, w.n - c);
    for (int r = 0; r < kRows; ++r) {
      const __m256i q = x86::Requantize(_mm256_add_epi32(acc[r][v], bias), m, left, right, zp, lo, hi);
      // int32 -> int8 (values already clamped into int8): pack to int16, then to int8.
      const __m128i q16 = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
      const __m128i q8 = _mm_packs_epi16(q16, q16);
      alignas(16) int8_t bytes[16];
      _mm_store_si128(reinterpret_cast<__m128i*>(bytes), q8);
      std::memcpy(out + r * ldc + c, bytes, valid);
    }
  }
}

template <int kVectors>
void Columns(const GemmWeights& w, int m, const int8_t* a, int64_t lda, int col, int8_t* out, int64_t ldc) {
  int r = 0;
  for (; r + kMaxRows <= m; r += kMaxRows) Tile<kMaxRows, kVectors>(w, a + r * lda, lda, col, GemmOutputRow(w, out, r, ldc), ldc);
  switch (m - r) {
    case 3: return Tile<3, kVectors>(w, a + r * lda, lda, col, GemmOutputRow(w, out, r, ldc), ldc);
    case 2: return Tile<2, kVectors>(w, a + r * lda, lda, col, GemmOutputRow(w, out, r, ldc), ldc);
    case 1: return Tile<1, kVectors>(w, a + r * lda, lda, col, GemmOutputRow(w, out, r, ldc), ldc);
    default: return;
  }
}

}  // namespace

void GemmAvx2(const GemmWeights& w, int m, const int8_t* a, int64_t lda, GemmSegments /*whole rows*/, int8_t* out,
              int64_t ldc, int col_begin, int col_end) {
  for (int col = col_begin; col < col_end; col += 8 * kMaxVectors) {
    switch (std::min(kMaxVectors, (col_end - col + 7) / 8)) {  // the last columns may need fewer vectors
      case 2: Columns<2>(w, m, a, lda, col, out, ldc); break;
      default: Columns<1>(w, m, a, lda, col, out, ldc); break;
    }
  }
}

}  // namespace qforge::runtime
