// The float GEMM loop nest shared by the AVX2 and AVX-512 kernels, over a float vector-traits
// type V (kernels/x86/float_vec_*.h). A register tile of up to kTileRows rows x 2 vectors of
// columns starts at the bias; per k step it loads each column vector's packed weights once and
// broadcasts each row's activation into one fused multiply-add per vector; the epilogue clamps
// (the fused activation) and stores, masked at the right edge. Rows are taken in blocks that
// stay in L1/L2 while every column tile passes over them. Rows may come as segments (a
// convolution's kernel rows in a padded input): the k loop walks each run in turn.
#pragma once

#include <algorithm>

#include "runtime/kernels/float_kernels.h"

namespace qforge::runtime::x86 {

// One tile: kRows rows from `a` (stride lda) x kVectors column vectors of panels starting at
// `panel` (panel_stride floats apart); the last vector has `last` valid columns.
template <typename V, int kRows, int kVectors>
__attribute__((always_inline)) inline void FloatTile(const float* a, int64_t lda, GemmSegments segments, int run,
                                                     const float* panel, int64_t panel_stride, const float* bias,
                                                     typename V::F lo, typename V::F hi, int last, float* out,
                                                     int64_t ldc) {
  using F = typename V::F;
  constexpr int kLanes = V::kLanes;
  F acc[kRows][kVectors];
#pragma GCC unroll 2
  for (int v = 0; v < kVectors; ++v) {
    const F b = V::Load(bias + v * kLanes);
#pragma GCC unroll 16
    for (int r = 0; r < kRows; ++r) acc[r][v] = b;
  }
  const float* w = panel;
  for (int s = 0; s < segments.count; ++s) {
    const float* x = a + s * segments.stride;
    for (int k = 0; k < run; ++k, w += kLanes) {
      F wv[kVectors];
#pragma GCC unroll 2
      for (int v = 0; v < kVectors; ++v) wv[v] = V::Load(w + v * panel_stride);
#pragma GCC unroll 16
      for (int r = 0; r < kRows; ++r) {
        const F xr = V::Set1(x[r * lda + k]);
#pragma GCC unroll 2
        for (int v = 0; v < kVectors; ++v) acc[r][v] = V::Fma(xr, wv[v], acc[r][v]);
      }
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 2
    for (int v = 0; v < kVectors; ++v) {
      const F y = V::Min(hi, V::Max(lo, acc[r][v]));
      float* o = out + r * ldc + v * kLanes;
      if (v + 1 < kVectors || last == kLanes) {
        V::Store(o, y);
      } else {
        V::StoreN(o, y, last);
      }
    }
  }
}

// Rows [0, m) against kVectors column vectors: whole tiles, then one tile of the rest.
template <typename V, int kVectors, int kRows = V::kTileRows>
inline void FloatTileRows(int m, const float* a, int64_t lda, GemmSegments segments, int run, const float* panel,
                          int64_t panel_stride, const float* bias, typename V::F lo, typename V::F hi, int last,
                          float* out, int64_t ldc) {
  if constexpr (kRows == V::kTileRows) {
    for (; m >= kRows; m -= kRows, a += kRows * lda, out += kRows * ldc)
      FloatTile<V, kRows, kVectors>(a, lda, segments, run, panel, panel_stride, bias, lo, hi, last, out, ldc);
  }
  if constexpr (kRows > 1) {
    if (m == kRows - 1) {
      FloatTile<V, kRows - 1, kVectors>(a, lda, segments, run, panel, panel_stride, bias, lo, hi, last, out, ldc);
    } else if (m < kRows - 1) {
      FloatTileRows<V, kVectors, kRows - 1>(m, a, lda, segments, run, panel, panel_stride, bias, lo, hi, last, out,
                                            ldc);
    }
  }
}

template <typename V>
void FloatGemmLoop(const FloatGemmWeights& w, int m, const float* a, int64_t lda, GemmSegments segments, float* out,
                   int64_t ldc, int col_begin, int col_end) {
  constexpr int kLanes = V::kLanes;
  // Row blocks of about 64 KiB of activations (at least one tile), so that a block stays in
  // cache while every column tile passes over it.
  const int block = std::max(V::kTileRows, 16384 / std::max(w.k, 1) / V::kTileRows * V::kTileRows);
  const int run = w.k / segments.count;
  const int64_t panel_stride = static_cast<int64_t>(w.k) * kLanes;
  const typename V::F lo = V::Set1(w.act.min), hi = V::Set1(w.act.max);
  for (int row = 0; row < m; row += block) {
    const int rows = std::min(block, m - row);
    const float* a_block = a + row * lda;
    float* out_block = out + row * ldc;
    for (int c = col_begin; c < col_end; c += 2 * kLanes) {
      const int cols = std::min(2 * kLanes, col_end - c);
      const float* panel = w.packed.data() + c / kLanes * panel_stride;
      if (cols > kLanes) {
        FloatTileRows<V, 2>(rows, a_block, lda, segments, run, panel, panel_stride, w.bias.data() + c, lo, hi,
                            cols - kLanes, out_block + c, ldc);
      } else {
        FloatTileRows<V, 1>(rows, a_block, lda, segments, run, panel, panel_stride, w.bias.data() + c, lo, hi, cols,
                            out_block + c, ldc);
      }
    }
  }
}

}  // namespace qforge::runtime::x86
