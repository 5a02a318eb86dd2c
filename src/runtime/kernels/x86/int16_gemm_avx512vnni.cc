// 16x8 GEMM with AVX-512 VNNI (compiled with -mavx512f -mavx512bw -mavx512vl -mavx512dq
// -mavx512vnni). Register tiles of up to 12 rows x 32 columns (24 int32 accumulators): per pair
// of k, two 64-byte loads of packed weights ([16 columns][2] int16) and one 4-byte broadcast of
// each row's two activations feed 24 vpdpwssd. Every 255 pairs the int32 sums are added into
// int64 ones kept on the stack (510 products of at most 2^15 x 2^7 stay below 2^31; 512 could
// reach it with weights of -128); the
// epilogue adds the int64 bias and requantizes in 64-bit lanes (vpmullq, vpsravq) as
// MultiplyByQuantizedMultiplier64 does, then adds the zero point, clamps and stores int16.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "runtime/kernels/int16_kernels.h"
#include "runtime/kernels/x86/requant64_avx512.h"
#include "runtime/kernels/x86/row_tiles.h"

namespace qforge::runtime {
namespace {

constexpr int kMaxRows = 12;
constexpr int kMaxVectors = 2;      // 16 columns each
constexpr int kPairsPerChunk = 255;  // pairs summed in int32 before moving to int64

// acc += pairs of x (int16) * w (int16) per 32-bit lane, updated in place (GCC 12 otherwise
// copies the accumulator tile).
__attribute__((always_inline)) inline void Dpwssd(__m512i& acc, __m512i x, __m512i w) {
  __asm__("vpdpwssd %2, %1, %0" : "+v"(acc) : "v"(x), "v"(w));
}

// The two int16 activations at p as one broadcast 32-bit lane; `single`: only p[0] (an odd
// run's last value), the other half zero.
template <bool kSingle>
__attribute__((always_inline)) inline __m512i Pair(const int16_t* p) {
  if constexpr (kSingle) {
    return _mm512_set1_epi32(static_cast<uint16_t>(*p));
  } else {
    int32_t pair;
    std::memcpy(&pair, p, 4);
    return _mm512_set1_epi32(pair);
  }
}

// Rows kRow.. of one pair step, by recursion so that every accumulator access has a constant
// index (GCC keeps the tile in registers only then).
template <int kRows, int kVectors, bool kSingle, int kRow = 0>
__attribute__((always_inline)) inline void StepRows(__m512i (&acc)[kRows][kVectors], const int16_t* x, int64_t lda,
                                                    const __m512i (&wv)[kVectors]) {
  if constexpr (kRow < kRows) {
    const __m512i xr = Pair<kSingle>(x + kRow * lda);
    Dpwssd(acc[kRow][0], xr, wv[0]);
    if constexpr (kVectors > 1) Dpwssd(acc[kRow][1], xr, wv[1]);
    StepRows<kRows, kVectors, kSingle, kRow + 1>(acc, x, lda, wv);
  }
}

template <int kRows, int kVectors, bool kSingle>
__attribute__((always_inline)) inline void Step(__m512i (&acc)[kRows][kVectors], const int16_t* x, int64_t lda,
                                                const int16_t* w, int64_t block_stride) {
  __m512i wv[kVectors];
  wv[0] = _mm512_loadu_si512(w);
  if constexpr (kVectors > 1) wv[1] = _mm512_loadu_si512(w + block_stride);
  StepRows<kRows, kVectors, kSingle>(acc, x, lda, wv);
}

__attribute__((always_inline)) inline void FlushOne(__m512i& acc, int64_t (&sums)[16], bool first) {
  __m512i low = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(acc));
  __m512i high = _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(acc, 1));
  if (!first) {
    low = _mm512_add_epi64(low, _mm512_load_si512(sums));
    high = _mm512_add_epi64(high, _mm512_load_si512(sums + 8));
  }
  _mm512_store_si512(sums, low);
  _mm512_store_si512(sums + 8, high);
  acc = _mm512_setzero_si512();
}

// sums (int64, [row][vector][16]) += acc sign-extended (or = acc for the first chunk); acc = 0.
// By recursion over the rows, as StepRows.
template <int kRows, int kVectors, int kRow = 0>
__attribute__((always_inline)) inline void Flush(__m512i (&acc)[kRows][kVectors], int64_t (&sums)[kRows][kVectors][16],
                                                 bool first) {
  if constexpr (kRow < kRows) {
    FlushOne(acc[kRow][0], sums[kRow][0], first);
    if constexpr (kVectors > 1) FlushOne(acc[kRow][1], sums[kRow][1], first);
    Flush<kRows, kVectors, kRow + 1>(acc, sums, first);
  }
}

// Not inlined: inside a caller's loops GCC no longer keeps the tile's accumulators in registers.
template <int kRows, int kVectors>
__attribute__((noinline)) void Tile(const Int16GemmWeights& w, const int16_t* a, int64_t lda, GemmSegments segments, int col, int16_t* out,
          int64_t ldc) {
  const int run = w.k / w.runs, full = run / 2;
  const int64_t block_stride = static_cast<int64_t>(w.runs) * w.pairs * 32;  // int16s to the next 16 columns
  const int16_t* b = w.packed.data() + static_cast<int64_t>(col / 16) * block_stride;
  const bool chunked = w.runs * w.pairs > kPairsPerChunk;
  __m512i acc[kRows][kVectors];
#pragma GCC unroll 12
  for (int r = 0; r < kRows; ++r)
#pragma GCC unroll 2
    for (int v = 0; v < kVectors; ++v) acc[r][v] = _mm512_setzero_si512();
  alignas(64) int64_t sums[kRows][kVectors][16];  // int64 sums of the chunks so far (chunked k)
  int since_flush = 0, flushes = 0;
  for (int s = 0; s < segments.count; ++s) {
    const int16_t* x = a + s * segments.stride;
    for (int p = 0; p < full; ++p, b += 32, ++since_flush) {
      if (since_flush == kPairsPerChunk) Flush(acc, sums, flushes++ == 0), since_flush = 0;
      Step<kRows, kVectors, false>(acc, x + 2 * p, lda, b, block_stride);
    }
    if (run % 2) {  // the odd run's last value
      if (since_flush == kPairsPerChunk) Flush(acc, sums, flushes++ == 0), since_flush = 0;
      Step<kRows, kVectors, true>(acc, x + run - 1, lda, b, block_stride);
      b += 32;
      ++since_flush;
    }
  }
  if (chunked) Flush(acc, sums, flushes == 0);
  const __m512i zp = _mm512_set1_epi32(w.output_zero_point), lo = _mm512_set1_epi32(w.act_min),
                hi = _mm512_set1_epi32(w.act_max);
#pragma GCC unroll 2
  for (int v = 0; v < kVectors; ++v) {
    const int c = col + 16 * v;
    const __mmask16 columns = static_cast<__mmask16>((1u << std::min(16, w.n - c)) - 1u);
    const x86::Requant64Tables tables{w.bias.data() + c, w.reduced.data() + c, w.round.data() + c, w.shift.data() + c};
#pragma GCC unroll 12
    for (int r = 0; r < kRows; ++r) {
      const __m256i y = chunked ? x86::RequantizeToInt16(_mm512_load_si512(sums[r][v]), _mm512_load_si512(sums[r][v] + 8),
                                                         tables, zp, lo, hi)
                                : x86::RequantizeToInt16(acc[r][v], tables, zp, lo, hi);
      _mm256_mask_storeu_epi16(out + r * ldc + c, columns, y);
    }
  }
}

template <int kVectors>
void Columns(const Int16GemmWeights& w, int m, const int16_t* a, int64_t lda, GemmSegments segments, int col,
             int16_t* out, int64_t ldc) {
  x86::ForEachRowTile<kMaxRows>(m, [&](auto rows, int r) {
    Tile<decltype(rows)::value, kVectors>(w, a + r * lda, lda, segments, col, out + r * ldc, ldc);
  });
}

}  // namespace

void Int16GemmAvx512Vnni(const Int16GemmWeights& w, int m, const int16_t* a, int64_t lda, GemmSegments segments,
                         int16_t* out, int64_t ldc, int col_begin, int col_end) {
  for (int col = col_begin; col < col_end; col += 16 * kMaxVectors) {
    if (col_end - col > 16) {
      Columns<2>(w, m, a, lda, segments, col, out, ldc);
    } else {
      Columns<1>(w, m, a, lda, segments, col, out, ldc);
    }
  }
}

}  // namespace qforge::runtime
