// What the two NEON GEMM kernels (gemm_neon.cc, gemm_neondot.cc) share: register tiles of up to
// 8 rows x 8 columns (two int32x4 accumulators per row), the loop over column blocks and row
// tiles, and the epilogue — bias, requantization, narrowing to int8, a store of the valid
// columns (or the raw accumulators for weights packed for int32 output). Included only by the
// files of kernels/arm/.
#pragma once

#include <algorithm>
#include <cstring>

#include "runtime/kernels/arm/vec_neon.h"
#include "runtime/kernels/gemm.h"

namespace qforge::runtime::arm {

constexpr int kTileRows = 8;     // rows of a full register tile
constexpr int kTileColumns = 8;  // columns of one packed block (two vectors)

template <int kRows>
using TileAccumulators = int32x4_t[kRows][2];

// Stores rows [0, kRows) of the tile at column `col` (out: the tile's first row).
template <int kRows>
inline void StoreTile(const GemmWeights& w, const TileAccumulators<kRows>& acc, int col, int8_t* out, int64_t ldc) {
  const int valid = std::min(kTileColumns, w.n - col);
  if (w.int32_output) {  // raw accumulators for the caller's epilogue
    int32_t* out32 = reinterpret_cast<int32_t*>(out);
    for (int r = 0; r < kRows; ++r) {
      int32_t lanes[kTileColumns];
      vst1q_s32(lanes, acc[r][0]);
      vst1q_s32(lanes + 4, acc[r][1]);
      std::memcpy(out32 + r * ldc + col, lanes, static_cast<size_t>(valid) * sizeof(int32_t));
    }
    return;
  }
  const int32x4_t zp = vdupq_n_s32(w.output_zero_point), lo = vdupq_n_s32(w.act_min), hi = vdupq_n_s32(w.act_max);
  int32x4_t bias[2], m[2], left[2], right[2];
  for (int v = 0; v < 2; ++v) {
    const int c = col + 4 * v;
    bias[v] = vld1q_s32(w.bias.data() + c);
    m[v] = vld1q_s32(w.multiplier.data() + c);
    left[v] = vld1q_s32(w.left_shift.data() + c);
    right[v] = vld1q_s32(w.right_shift.data() + c);
  }
  for (int r = 0; r < kRows; ++r) {
    int32x4_t q[2];
    for (int v = 0; v < 2; ++v) q[v] = Requantize(vaddq_s32(acc[r][v], bias[v]), m[v], left[v], right[v], zp, lo, hi);
    const int8x8_t bytes = NarrowToBytes(q[0], q[1]);
    if (valid == kTileColumns) {
      vst1_s8(out + r * ldc + col, bytes);
    } else {
      int8_t lanes[kTileColumns];
      vst1_s8(lanes, bytes);
      std::memcpy(out + r * ldc + col, lanes, static_cast<size_t>(valid));
    }
  }
}

// Columns [col_begin, col_end) (col_begin a multiple of 8) of rows [0, m): full tiles of 8 rows,
// then one of the rest. Tile::Run<kRows>(w, a, lda, col, out, ldc) computes and stores a tile.
template <typename Tile>
void GemmTiles(const GemmWeights& w, int m, const int8_t* a, int64_t lda, int8_t* out, int64_t ldc, int col_begin,
               int col_end) {
  for (int col = col_begin; col < col_end; col += kTileColumns) {
    int r = 0;
    for (; r + kTileRows <= m; r += kTileRows)
      Tile::template Run<kTileRows>(w, a + r * lda, lda, col, GemmOutputRow(w, out, r, ldc), ldc);
    const int8_t* rest = a + r * lda;
    int8_t* rest_out = GemmOutputRow(w, out, r, ldc);
    switch (m - r) {
      case 7: Tile::template Run<7>(w, rest, lda, col, rest_out, ldc); break;
      case 6: Tile::template Run<6>(w, rest, lda, col, rest_out, ldc); break;
      case 5: Tile::template Run<5>(w, rest, lda, col, rest_out, ldc); break;
      case 4: Tile::template Run<4>(w, rest, lda, col, rest_out, ldc); break;
      case 3: Tile::template Run<3>(w, rest, lda, col, rest_out, ldc); break;
      case 2: Tile::template Run<2>(w, rest, lda, col, rest_out, ldc); break;
      case 1: Tile::template Run<1>(w, rest, lda, col, rest_out, ldc); break;
      default: break;
    }
  }
}

}  // namespace qforge::runtime::arm
