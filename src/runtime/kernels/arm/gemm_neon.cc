// int8 GEMM with Armv8-A NEON, for CPUs without the dot product: activations widened in
// registers to int16 a - zp (ssubl, 8 k at a time), weights packed [n/8][k][8] int16, each k one
// 8-column weight vector multiplied by one activation lane of every row and accumulated into
// int32 (smlal / smlal2 by lane) — exact, like the reference. Register tile: 8 rows x 8 columns
// (16 accumulators, 8 activation vectors, 1 weight vector).
#include <utility>

#include "runtime/kernels/arm/gemm_tiles_neon.h"

namespace qforge::runtime {
namespace {

using arm::TileAccumulators;

struct MlalTile {
  // k values k0 + j (j < 8) of the activation vectors x: one weight vector each.
  template <int kRows, size_t... J>
  static void Steps(const int16_t* b, const int16x8_t (&x)[kRows], TileAccumulators<kRows>& acc,
                    std::index_sequence<J...>) {
    (
        [&] {
          const int16x8_t wv = vld1q_s16(b + J * arm::kTileColumns);
          for (int r = 0; r < kRows; ++r) {
            acc[r][0] = vmlal_laneq_s16(acc[r][0], vget_low_s16(wv), x[r], J);
            acc[r][1] = vmlal_high_laneq_s16(acc[r][1], wv, x[r], J);
          }
        }(),
        ...);
  }

  template <int kRows>
  static void Run(const GemmWeights& w, const int8_t* a, int64_t lda, int col, int8_t* out, int64_t ldc) {
    const int16_t* b = reinterpret_cast<const int16_t*>(w.packed.data()) + static_cast<int64_t>(col / 8) * w.k * 8;
    const int8x8_t zp = vdup_n_s8(static_cast<int8_t>(w.input_zero_point));
    TileAccumulators<kRows> acc;
    for (int r = 0; r < kRows; ++r) acc[r][0] = acc[r][1] = vdupq_n_s32(0);
    int k0 = 0;
    for (; k0 + 8 <= w.k; k0 += 8, b += 64) {
      int16x8_t x[kRows];
      for (int r = 0; r < kRows; ++r) x[r] = vsubl_s8(vld1_s8(a + r * lda + k0), zp);
      Steps<kRows>(b, x, acc, std::make_index_sequence<8>());
    }
    for (; k0 < w.k; ++k0, b += 8) {  // the last k % 8
      const int16x8_t wv = vld1q_s16(b);
      for (int r = 0; r < kRows; ++r) {
        const auto x = static_cast<int16_t>(a[r * lda + k0] - w.input_zero_point);
        acc[r][0] = vmlal_n_s16(acc[r][0], vget_low_s16(wv), x);
        acc[r][1] = vmlal_high_n_s16(acc[r][1], wv, x);
      }
    }
    arm::StoreTile<kRows>(w, acc, col, out, ldc);
  }
};

}  // namespace

void GemmNeon(const GemmWeights& w, int m, const int8_t* a, int64_t lda, GemmSegments /*whole rows*/, int8_t* out,
              int64_t ldc, int col_begin, int col_end) {
  arm::GemmTiles<MlalTile>(w, m, a, lda, out, ldc, col_begin, col_end);
}

}  // namespace qforge::runtime
