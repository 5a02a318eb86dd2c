// int8 GEMM with AVX-512 VNNI (compiled with -mavx512f -mavx512bw -mavx512vl -mavx512vnni).
// Register tiles of 12 rows x 32 columns (24 int32 accumulators; 16 columns at the right edge)
// run over all of k: per group of 4 k, two 64-byte loads of packed weights ([16 columns][4 k])
// and one 4-byte broadcast of each row's activations (a + 128 as u8) feed 24 vpdpbusd. (A
// 6 x 64 tile was as fast at k = 256 and 12% slower at k = 1024, where its 64 KiB weight
// panel no longer stays in L1.) The accumulators start at the folded bias; the epilogue
// requantizes with one 64-bit rounding shift (RequantizeOneShift), and packs four rows at a
// time to saturated bytes (zero point added in 16 bits, clamped in 8), one 16-byte store per
// row (masked at the right edge). Weights packed for int32 output store the accumulators instead.
// The w4 entry reads weights packed two per byte: one 64-byte load per two groups of 4 k and 16
// columns, the low nibbles and the high ones each masked (the high ones shifted down first) and
// less 8 — three or two operations per weight vector, against the 24 vpdpbusd that use it.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "runtime/kernels/gemm.h"
#include "runtime/kernels/x86/dpbusd_avx512.h"
#include "runtime/kernels/x86/requant_avx512.h"
#include "runtime/kernels/x86/row_tiles.h"

namespace qforge::runtime {
namespace {

constexpr int kMaxVectors = 2;  // 16 columns each
constexpr int kMaxRows = 12;

using x86::Dpbusd;

// Requantization constants of the 16 columns starting at c.
x86::OneShiftRequant LoadRequant(const GemmWeights& w, int c) {
  x86::OneShiftRequant q;
  q.m = _mm512_loadu_si512(w.multiplier.data() + c);
  q.m_odd = _mm512_srli_epi64(q.m, 32);
  q.add_even = _mm512_loadu_si512(w.round_add.data() + c);
  q.add_odd = _mm512_loadu_si512(w.round_add.data() + c + 8);
  q.add_negative_even = _mm512_loadu_si512(w.round_add_negative.data() + c);
  q.add_negative_odd = _mm512_loadu_si512(w.round_add_negative.data() + c + 8);
  q.shift_even = _mm512_loadu_si512(w.round_shift.data() + c);
  q.shift_odd = _mm512_loadu_si512(w.round_shift.data() + c + 8);
  return q;
}

// Stores kCount (1..4) rows of 16 requantized int32 columns: saturated to int16, plus the
// zero point (saturating), saturated to int8, clamped — equal to clamping r + zp in int32,
// since the bounds lie inside int8. packs works per 128-bit lane, leaving lane j = [row 0
// columns 4j..4j+3, row 1 .., row 2 .., row 3 ..]; a dword transpose makes lane r = row r.
template <int kCount>
__attribute__((always_inline)) inline void StoreRows(const __m512i (&r)[4], __m512i zp16, bool clamp, __m512i lo,
                                                     __m512i hi, __mmask16 columns, int8_t* out, int64_t ldc) {
  const __m512i rows01 = _mm512_adds_epi16(_mm512_packs_epi32(r[0], r[kCount > 1 ? 1 : 0]), zp16);
  const __m512i rows23 = _mm512_adds_epi16(_mm512_packs_epi32(r[kCount > 2 ? 2 : 0], r[kCount > 3 ? 3 : 0]), zp16);
  __m512i bytes = _mm512_packs_epi16(rows01, rows23);
  if (clamp) bytes = _mm512_min_epi8(_mm512_max_epi8(bytes, lo), hi);  // tighter than int8: fused activation
  const __m512i transpose = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
  const __m512i rows = _mm512_permutexvar_epi32(transpose, bytes);
  _mm_mask_storeu_epi8(out, columns, _mm512_castsi512_si128(rows));
  if (kCount > 1) _mm_mask_storeu_epi8(out + ldc, columns, _mm512_extracti32x4_epi32(rows, 1));
  if (kCount > 2) _mm_mask_storeu_epi8(out + 2 * ldc, columns, _mm512_extracti32x4_epi32(rows, 2));
  if (kCount > 3) _mm_mask_storeu_epi8(out + 3 * ldc, columns, _mm512_extracti32x4_epi32(rows, 3));
}

// Rows [first, first + kCount) of one column vector (the bias already in): requantization, store.
template <int kRows, int kVectors, int kCount>
__attribute__((always_inline)) inline void EpilogueRows(const __m512i (&acc)[kRows][kVectors], int v, int first,
                                                        __m512i left, bool shift_left,
                                                        const x86::OneShiftRequant& q, __m512i zp16, bool clamp,
                                                        __m512i lo, __m512i hi, __mmask16 columns, int8_t* out,
                                                        int64_t ldc) {
  __m512i r[4];
#pragma GCC unroll 4
  for (int i = 0; i < kCount; ++i) {
    __m512i x = acc[first + i][v];
    if (shift_left) x = _mm512_sllv_epi32(x, left);
    r[i] = x86::RequantizeOneShift(x, q);
  }
  StoreRows<kCount>(r, zp16, clamp, lo, hi, columns, out + first * ldc, ldc);
}

// The 4 bytes at row + k rows of stride lda (k = 0, 1, 2), broadcast. Inline assembly, so that
// 12 rows take four base registers and the stride (base + index * scale): GCC otherwise keeps
// one register per row offset, runs out, and reloads one from the stack in the inner loop. It
// reads activations no code in this file writes (callers fill them before calling Gemm).
template <int kStep>
__attribute__((always_inline)) inline __m512i BroadcastRow(const int8_t* row, int64_t lda) {
  __m512i x;
  if constexpr (kStep == 0) {
    __asm__("vpbroadcastd (%1), %0" : "=v"(x) : "r"(row));
  } else if constexpr (kStep == 1) {
    __asm__("vpbroadcastd (%1,%2,1), %0" : "=v"(x) : "r"(row), "r"(lda));
  } else {
    __asm__("vpbroadcastd (%1,%2,2), %0" : "=v"(x) : "r"(row), "r"(lda));
  }
  return x;
}

template <int kRows, int kVectors, int kRow = 0>
__attribute__((always_inline)) inline void GroupRows(__m512i (&acc)[kRows][kVectors], const int8_t* const* base,
                                                     int64_t lda, const __m512i (&wv)[kVectors]) {
  if constexpr (kRow < kRows) {
    const __m512i x = BroadcastRow<kRow % 3>(base[kRow / 3], lda);
#pragma GCC unroll 4
    for (int v = 0; v < kVectors; ++v) Dpbusd(acc[kRow][v], x, wv[v]);
    GroupRows<kRows, kVectors, kRow + 1>(acc, base, lda, wv);
  }
}

// Multiplies one group of 4 k (at base[j] + 3 j lda, rows every third) against kVectors weight
// vectors. Always inlined, with every loop unrolled, so the accumulators stay in registers.
template <int kRows, int kVectors>
__attribute__((always_inline)) inline void Group(__m512i (&acc)[kRows][kVectors], const int8_t* const* base,
                                                 int64_t lda, const int8_t* b, int64_t block_stride) {
  __m512i wv[kVectors];
#pragma GCC unroll 4
  for (int v = 0; v < kVectors; ++v) wv[v] = _mm512_loadu_si512(b + v * block_stride);
  GroupRows<kRows, kVectors>(acc, base, lda, wv);
}

// The accumulators themselves, masked at the right edge (int32 output). By recursion over the
// rows, so that every accumulator index is a constant: with loops GCC kept the whole tile in
// memory, in the main loop too.
template <int kRows, int kVectors, int kRow = 0>
__attribute__((always_inline)) inline void StoreInt32Rows(const __m512i (&acc)[kRows][kVectors], int n, int col,
                                                          int32_t* out, int64_t ldc) {
  if constexpr (kRow < kRows) {
    const __mmask16 first = static_cast<__mmask16>((1u << (n - col < 16 ? n - col : 16)) - 1u);
    _mm512_mask_storeu_epi32(out + kRow * ldc + col, first, acc[kRow][0]);
    if constexpr (kVectors > 1) {
      const __mmask16 second = static_cast<__mmask16>((1u << (n - col - 16 < 16 ? n - col - 16 : 16)) - 1u);
      _mm512_mask_storeu_epi32(out + kRow * ldc + col + 16, second, acc[kRow][1]);
    }
    StoreInt32Rows<kRows, kVectors, kRow + 1>(acc, n, col, out, ldc);
  }
}

// Two groups of 4 k against kVectors weight vectors packed as nibbles (w + 8): the low nibbles
// are the first group's weights, the high ones the second's.
template <int kRows, int kVectors>
__attribute__((always_inline)) inline void NibbleGroups(__m512i (&acc)[kRows][kVectors], const int8_t** base, int bases,
                                                        int64_t lda, const int8_t* b, int64_t block_stride) {
  const __m512i low = _mm512_set1_epi8(0x0F), eight = _mm512_set1_epi8(8);
  __m512i first[kVectors], second[kVectors];
#pragma GCC unroll 4
  for (int v = 0; v < kVectors; ++v) {
    const __m512i packed = _mm512_loadu_si512(b + v * block_stride);
    first[v] = _mm512_sub_epi8(_mm512_and_si512(packed, low), eight);
    second[v] = _mm512_sub_epi8(_mm512_and_si512(_mm512_srli_epi16(packed, 4), low), eight);
  }
  GroupRows<kRows, kVectors>(acc, base, lda, first);
#pragma GCC unroll 4
  for (int j = 0; j < bases; ++j) base[j] += 4;
  GroupRows<kRows, kVectors>(acc, base, lda, second);
#pragma GCC unroll 4
  for (int j = 0; j < bases; ++j) base[j] += 4;
}

// One register tile: rows hold a + 128 as u8, zero-padded to whole groups of 4 (of 8 for
// nibbles), each row's groups in `segments` equal runs.
// Not inlined: inside a caller's loops GCC no longer keeps the tile's accumulators in registers.
template <int kRows, int kVectors, bool kNibbles>
__attribute__((noinline)) void Tile(const GemmWeights& w, const int8_t* a, int64_t lda, GemmSegments segments, int col, int8_t* out,
          int64_t ldc) {
  // Groups of 4 k; with nibbles, a whole number of pairs (a pair's 16 columns in 64 bytes).
  const int groups = kNibbles ? (w.k + 7) / 8 * 2 : (w.k + 3) / 4, segment_groups = groups / segments.count;
  const int64_t block_stride = static_cast<int64_t>(groups) * (kNibbles ? 32 : 64);  // next 16 columns
  const int8_t* b = w.packed.data() + static_cast<int64_t>(col / 16) * block_stride;
  __m512i acc[kRows][kVectors];  // start at the folded bias
#pragma GCC unroll 4
  for (int v = 0; v < kVectors; ++v) {
    const __m512i bias = _mm512_loadu_si512(w.bias.data() + col + 16 * v);
#pragma GCC unroll 12
    for (int r = 0; r < kRows; ++r) acc[r][v] = bias;
  }
  constexpr int kBases = (kRows + 2) / 3;
  for (int s = 0; s < segments.count; ++s, a += segments.stride) {
    const int8_t* base[kBases];
#pragma GCC unroll 4
    for (int j = 0; j < kBases; ++j) base[j] = a + 3 * j * lda;
    if constexpr (kNibbles) {
      for (int g = 0; g < segment_groups; g += 2, b += 64) NibbleGroups<kRows, kVectors>(acc, base, kBases, lda, b, block_stride);
    } else {
      for (int g = 0; g < segment_groups; ++g, b += 64) {
        Group<kRows, kVectors>(acc, base, lda, b, block_stride);
#pragma GCC unroll 4
        for (int j = 0; j < kBases; ++j) base[j] += 4;
      }
    }
  }

  if (w.int32_output) {  // raw accumulators for the caller's epilogue
    StoreInt32Rows<kRows, kVectors>(acc, w.n, col, reinterpret_cast<int32_t*>(out), ldc);
    return;
  }
  const __m512i zp16 = _mm512_set1_epi16(static_cast<int16_t>(w.output_zero_point)),
                lo = _mm512_set1_epi8(static_cast<int8_t>(w.act_min)), hi = _mm512_set1_epi8(static_cast<int8_t>(w.act_max));
  const bool shift_left = w.any_left_shift, clamp = w.act_min > -128 || w.act_max < 127;
#pragma GCC unroll 4
  for (int v = 0; v < kVectors; ++v) {
    const int c = col + 16 * v;
    const __m512i left = _mm512_loadu_si512(w.left_shift.data() + c);
    const x86::OneShiftRequant q = LoadRequant(w, c);
    const int valid = w.n - c < 16 ? w.n - c : 16;
    const __mmask16 columns = static_cast<__mmask16>((1u << valid) - 1u);
#pragma GCC unroll 3
    for (int first = 0; first + 4 <= kRows; first += 4)
      EpilogueRows<kRows, kVectors, 4>(acc, v, first, left, shift_left, q, zp16, clamp, lo, hi, columns, out + c, ldc);
    constexpr int kRest = kRows % 4, kFirst = kRows - kRest;
    if constexpr (kRest > 0)
      EpilogueRows<kRows, kVectors, kRest>(acc, v, kFirst, left, shift_left, q, zp16, clamp, lo, hi, columns, out + c, ldc);
  }
}

template <int kVectors, bool kNibbles>
void Columns(const GemmWeights& w, int m, const int8_t* a, int64_t lda, GemmSegments segments, int col, int8_t* out,
             int64_t ldc) {
  x86::ForEachRowTile<kMaxRows>(m, [&](auto rows, int r) {
    Tile<decltype(rows)::value, kVectors, kNibbles>(w, a + r * lda, lda, segments, col, GemmOutputRow(w, out, r, ldc), ldc);
  });
}

template <bool kNibbles>
void AllColumns(const GemmWeights& w, int m, const int8_t* a, int64_t lda, GemmSegments segments, int8_t* out,
                int64_t ldc, int col_begin, int col_end) {
  for (int col = col_begin; col < col_end; col += 16 * kMaxVectors) {
    switch (std::min(kMaxVectors, (col_end - col + 15) / 16)) {  // the last columns may need fewer vectors
      case 2: Columns<2, kNibbles>(w, m, a, lda, segments, col, out, ldc); break;
      default: Columns<1, kNibbles>(w, m, a, lda, segments, col, out, ldc); break;
    }
  }
}

}  // namespace

void GemmAvx512Vnni(const GemmWeights& w, int m, const int8_t* a, int64_t lda, GemmSegments segments, int8_t* out,
                    int64_t ldc, int col_begin, int col_end) {
  AllColumns<false>(w, m, a, lda, segments, out, ldc, col_begin, col_end);
}

void GemmAvx512VnniW4(const GemmWeights& w, int m, const int8_t* a, int64_t lda, GemmSegments segments, int8_t* out,
                      int64_t ldc, int col_begin, int col_end) {
  AllColumns<true>(w, m, a, lda, segments, out, ldc, col_begin, col_end);
}

}  // namespace qforge::runtime
