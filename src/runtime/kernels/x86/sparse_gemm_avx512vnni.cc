// The sparse int8 GEMM with AVX-512 VNNI (kernels/sparse_gemm.h; compiled with -mavx512f
// -mavx512bw -mavx512vl -mavx512dq -mavx512vnni). Register tiles of up to 4 panel blocks (64
// rows) x 1 column: per kept block of the column, its 4 weights broadcast once and one
// vpdpbusd per 16 rows on a 64-byte load of the panel. Each column's accumulators are
// requantized with the column's constants broadcast (RequantizeOneShift), clamped, narrowed to
// 16 bytes (one per row) and staged; after 16 columns a 16 x 16 byte transpose turns the stage
// into 16-byte rows of the output. The panel rearrangement is a 16 x 16 dword transpose per 16
// rows and 16 groups.
#include <immintrin.h>

#include <algorithm>

#include "runtime/kernels/sparse_gemm.h"
#include "runtime/kernels/x86/dpbusd_avx512.h"
#include "runtime/kernels/x86/requant_avx512.h"

namespace qforge::runtime {
namespace {

constexpr int kMaxBlocks = 4;  // panel blocks of 16 rows per register tile

using x86::Dpbusd;

// Transposes 16 x 16 dwords in place: r[i] lane j <- r[j] lane i.
inline void TransposeDwords(__m512i (&r)[16]) {
  __m512i t[16], u[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
  }
  // Per 128-bit lane L, u[4 q + i] = rows 4q..4q+3 of column 4L + i.
  for (int q = 0; q < 4; ++q) {
    u[4 * q + 0] = _mm512_unpacklo_epi64(t[4 * q], t[4 * q + 2]);
    u[4 * q + 1] = _mm512_unpackhi_epi64(t[4 * q], t[4 * q + 2]);
    u[4 * q + 2] = _mm512_unpacklo_epi64(t[4 * q + 1], t[4 * q + 3]);
    u[4 * q + 3] = _mm512_unpackhi_epi64(t[4 * q + 1], t[4 * q + 3]);
  }
  for (int i = 0; i < 4; ++i) {
    const __m512i even01 = _mm512_shuffle_i32x4(u[i], u[4 + i], 0x88), odd01 = _mm512_shuffle_i32x4(u[i], u[4 + i], 0xDD);
    const __m512i even23 = _mm512_shuffle_i32x4(u[8 + i], u[12 + i], 0x88),
                  odd23 = _mm512_shuffle_i32x4(u[8 + i], u[12 + i], 0xDD);
    r[i] = _mm512_shuffle_i32x4(even01, even23, 0x88);       // column i (lane 0)
    r[4 + i] = _mm512_shuffle_i32x4(odd01, odd23, 0x88);     // column 4 + i (lane 1)
    r[8 + i] = _mm512_shuffle_i32x4(even01, even23, 0xDD);   // column 8 + i (lane 2)
    r[12 + i] = _mm512_shuffle_i32x4(odd01, odd23, 0xDD);    // column 12 + i (lane 3)
  }
}

// The 16 x 16 bytes of `stage` ([column][row]) -> rows [0, rows) of out, `columns` masked.
inline void StoreTransposed(const int8_t (&stage)[16][16], int rows, __mmask16 columns, int8_t* out, int64_t ldc) {
  __m128i a[16], b[16];
  for (int j = 0; j < 8; ++j) {  // 16-bit units: (column 2j, 2j + 1) of row u (lo) or 8 + u (hi)
    const __m128i c0 = _mm_load_si128(reinterpret_cast<const __m128i*>(stage[2 * j]));
    const __m128i c1 = _mm_load_si128(reinterpret_cast<const __m128i*>(stage[2 * j + 1]));
    a[2 * j] = _mm_unpacklo_epi8(c0, c1);
    a[2 * j + 1] = _mm_unpackhi_epi8(c0, c1);
  }
  for (int j = 0; j < 4; ++j)  // 32-bit units: columns 4j..4j+3 of rows 8h + 4l + u
    for (int h = 0; h < 2; ++h) {
      b[4 * j + 2 * h] = _mm_unpacklo_epi16(a[4 * j + h], a[4 * j + 2 + h]);
      b[4 * j + 2 * h + 1] = _mm_unpackhi_epi16(a[4 * j + h], a[4 * j + 2 + h]);
    }
  for (int j = 0; j < 2; ++j)  // 64-bit units: columns 8j..8j+7 of rows 4 hl + 2 t + u
    for (int hl = 0; hl < 4; ++hl) {
      a[8 * j + 2 * hl] = _mm_unpacklo_epi32(b[8 * j + hl], b[8 * j + 4 + hl]);
      a[8 * j + 2 * hl + 1] = _mm_unpackhi_epi32(b[8 * j + hl], b[8 * j + 4 + hl]);
    }
  for (int p = 0; p < 8; ++p) {  // p = 2 hl + t: rows 2p and 2p + 1
    const __m128i lo = _mm_unpacklo_epi64(a[p], a[8 + p]), hi = _mm_unpackhi_epi64(a[p], a[8 + p]);
    if (2 * p < rows) _mm_mask_storeu_epi8(out + 2 * p * ldc, columns, lo);
    if (2 * p + 1 < rows) _mm_mask_storeu_epi8(out + (2 * p + 1) * ldc, columns, hi);
  }
}

// clamp(requantized acc + zp) of column c, as 16 bytes.
inline __m128i RequantizeColumn(__m512i acc, const SparseGemmWeights& w, int c, __m512i lo, __m512i hi, __m512i zp) {
  if (w.any_left_shift) acc = _mm512_sll_epi32(acc, _mm_cvtsi32_si128(w.left_shift[c]));
  x86::OneShiftRequant q;
  q.m = q.m_odd = _mm512_set1_epi32(w.multiplier[c]);
  q.add_even = q.add_odd = _mm512_set1_epi64(w.round_add[c]);
  q.add_negative_even = q.add_negative_odd = _mm512_set1_epi64(w.round_add_negative[c]);
  q.shift_even = q.shift_odd = _mm512_set1_epi64(w.round_shift[c]);
  const __m512i r = _mm512_min_epi32(_mm512_max_epi32(x86::RequantizeOneShift(acc, q), lo), hi);  // bounds - zp
  return _mm512_cvtepi32_epi8(_mm512_add_epi32(r, zp));
}

// One column's sums over its kept blocks for kBlocks panel blocks: the bias plus, per entry,
// one vpdpbusd per block against the entry's 4 weights broadcast. kChains entries at a time
// into separate accumulators (kChains x kBlocks independent chains hide vpdpbusd's latency),
// added at the end. A function of its own, with every loop but the entries' unrolled: inside
// the tile's loops GCC kept the accumulators on the stack.
template <int kBlocks, int kChains>
__attribute__((noinline)) void SumColumn(const int32_t* e, const int32_t* end, const uint8_t* panel,
                                         int64_t block_stride, int32_t bias, __m512i* sums) {
  __m512i acc[kChains][kBlocks];
#pragma GCC unroll 4
  for (int c = 0; c < kChains; ++c)
#pragma GCC unroll 4
    for (int b = 0; b < kBlocks; ++b) acc[c][b] = c == 0 ? _mm512_set1_epi32(bias) : _mm512_setzero_si512();
  for (; end - e >= 2 * kChains; e += 2 * kChains) {
#pragma GCC unroll 4
    for (int c = 0; c < kChains; ++c) {
      const __m512i weights = _mm512_set1_epi32(e[2 * c + 1]);
      const uint8_t* x = panel + e[2 * c];
#pragma GCC unroll 4
      for (int b = 0; b < kBlocks; ++b) Dpbusd(acc[c][b], _mm512_load_si512(x + b * block_stride), weights);
    }
  }
  for (; e < end; e += 2) {
    const __m512i weights = _mm512_set1_epi32(e[1]);
#pragma GCC unroll 4
    for (int b = 0; b < kBlocks; ++b) Dpbusd(acc[0][b], _mm512_load_si512(panel + e[0] + b * block_stride), weights);
  }
#pragma GCC unroll 4
  for (int b = 0; b < kBlocks; ++b) {
    __m512i sum = acc[0][b];
#pragma GCC unroll 4
    for (int c = 1; c < kChains; ++c) sum = _mm512_add_epi32(sum, acc[c][b]);
    sums[b] = sum;
  }
}

// Rows [0, rows) (at most 16 kBlocks) of the panel at `panel` x columns [col_begin, col_end).
template <int kBlocks>
void Tile(const SparseGemmWeights& w, const uint8_t* panel, int64_t block_stride, int rows, int col_begin, int col_end,
          int8_t* out, int64_t ldc) {
  constexpr int kChains = kBlocks >= 2 ? 2 : 4;
  const __m512i zp = _mm512_set1_epi32(w.output.output_zero_point);
  const __m512i lo = _mm512_set1_epi32(w.output.act_min - w.output.output_zero_point),
                hi = _mm512_set1_epi32(w.output.act_max - w.output.output_zero_point);
  alignas(64) int8_t stage[kBlocks][16][16];
  alignas(64) __m512i sums[kBlocks];
  for (int chunk = col_begin; chunk < col_end; chunk += 16) {
    const int columns = std::min(16, col_end - chunk);
    if (columns < 16)
      for (auto& block : stage) std::fill(&block[0][0], &block[0][0] + 256, int8_t{0});
    for (int j = 0; j < columns; ++j) {
      const int c = chunk + j;
      SumColumn<kBlocks, kChains>(w.block.data() + 2 * static_cast<int64_t>(w.column_start[c]),
                                  w.block.data() + 2 * static_cast<int64_t>(w.column_start[c + 1]), panel, block_stride,
                                  w.bias[c], sums);
      for (int b = 0; b < kBlocks; ++b)
        _mm_store_si128(reinterpret_cast<__m128i*>(stage[b][j]), RequantizeColumn(sums[b], w, c, lo, hi, zp));
    }
    const __mmask16 mask = static_cast<__mmask16>((1u << columns) - 1u);
    for (int b = 0; b < kBlocks; ++b)
      StoreTransposed(stage[b], std::min(16, rows - 16 * b), mask, out + 16 * b * ldc + chunk, ldc);
  }
}

// Where one chunk of 16 groups of a panel row comes from: one piece per run it spans.
struct Piece {
  __mmask64 lanes;
  int64_t offset;  // from the row's start, minus the piece's first lane
};

// 64 bytes of the row at `start`, a piece at a time, xor-ed with flip.
__attribute__((always_inline)) inline __m512i LoadChunk(const int8_t* start, const Piece* pieces, int count,
                                                        __m512i flip) {
  __m512i v = _mm512_maskz_loadu_epi8(pieces[0].lanes, start + pieces[0].offset);
  for (int p = 1; p < count; ++p) v = _mm512_mask_loadu_epi8(v, pieces[p].lanes, start + pieces[p].offset);
  return _mm512_xor_si512(v, flip);
}

// One chunk of `rows` (up to 16) rows: loaded, transposed, `stores` groups stored at out.
// Not inlined, every row loop unrolled: the 16 vectors stay in registers.
__attribute__((noinline)) void TransposeBlock(const int8_t* const* starts, int rows, const Piece* pieces, int count,
                                              __m512i flip, uint8_t* out, int stores) {
  __m512i r[16];
  if (rows == 16) {
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) r[i] = LoadChunk(starts[i], pieces, count, flip);
  } else {
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) r[i] = i < rows ? LoadChunk(starts[i], pieces, count, flip) : flip;
  }
  TransposeDwords(r);
#pragma GCC unroll 16
  for (int j = 0; j < 16; ++j)
    if (j < stores) _mm512_store_si512(out + j * 64, r[j]);
}

}  // namespace

void ToPanelAvx512(int rows, int k, PanelRows source, uint8_t flip, uint8_t* panel) {
  const int groups = (k + 3) / 4, run = k / source.segments, run_groups = (run + 3) / 4;
  const __m512i flip_bytes = _mm512_set1_epi8(static_cast<char>(flip));
  // Chunks of 16 groups — one 16 x 16 dword transpose each — may span several runs: each
  // row's 64 bytes are loaded in pieces, one masked load per run, at the piece's lanes.
  Piece pieces[17];
  for (int g0 = 0; g0 < groups; g0 += 16) {
    int count = 0;
    for (int g = g0; g < std::min(groups, g0 + 16);) {
      const int s = g / run_groups, end = std::min({groups, g0 + 16, (s + 1) * run_groups});
      const int within = 4 * (g - s * run_groups), bytes = std::min(4 * (end - g), run - within), lane = 4 * (g - g0);
      const __mmask64 ones = bytes >= 64 ? ~__mmask64{0} : (__mmask64{1} << bytes) - 1;
      pieces[count++] = Piece{ones << lane, s * source.segment_stride + within - lane};
      g = end;
    }
    const int stores = std::min(16, groups - g0);
    for (int first = 0; first < rows; first += 16)
      TransposeBlock(source.starts + first, std::min(16, rows - first), pieces, count, flip_bytes,
                     panel + (static_cast<int64_t>(first / 16) * groups + g0) * 64, stores);
  }
}

void SparseGemmAvx512Vnni(const SparseGemmWeights& w, int m, const uint8_t* panel, int8_t* out, int64_t ldc,
                          int col_begin, int col_end) {
  const int64_t block_stride = static_cast<int64_t>(w.groups) * 64;
  for (int first = 0; first < m; first += 16 * kMaxBlocks) {
    const uint8_t* p = panel + first / 16 * block_stride;
    int8_t* o = out + first * ldc;
    const int rows = std::min(16 * kMaxBlocks, m - first);
    switch ((rows + 15) / 16) {
      case 4: Tile<4>(w, p, block_stride, rows, col_begin, col_end, o, ldc); break;
      case 3: Tile<3>(w, p, block_stride, rows, col_begin, col_end, o, ldc); break;
      case 2: Tile<2>(w, p, block_stride, rows, col_begin, col_end, o, ldc); break;
      default: Tile<1>(w, p, block_stride, rows, col_begin, col_end, o, ldc); break;
    }
  }
}

}  // namespace qforge::runtime
