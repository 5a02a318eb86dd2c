// int8 GEMM with the Armv8.2-A dot product (chosen only where the CPU reports it): sdot by lane
// adds four products of int8 activations, as they are in the tensor, and int8 weights into each
// int32 lane — the zero-point correction -zp * sum w is in the bias
// (PackGemm), so no widening. Weights packed [n/8][k/4][8][4] (32 bytes per group of 4 k: two
// vectors of 4 columns); each row's activations load 16 bytes (4 groups) at a time, the last
// k % 16 a group (or the final partial one) at a time, never past the row. Register tile: 8 rows
// x 8 columns (16 accumulators, 8 activation vectors, 2 weight vectors).
// Only this file's own functions are compiled for Armv8.2-A + dotprod (the pragma below, after
// the includes): whatever the shared headers emit out of line here is baseline code, so the
// linker may keep either file's copy.
#include <utility>

#include "runtime/kernels/arm/gemm_tiles_neon.h"

#pragma GCC push_options
#pragma GCC target("arch=armv8.2-a+dotprod")

namespace qforge::runtime {
namespace {

using arm::TileAccumulators;

// Four int8 at p (count < 4: the rest zero) in lane 0 of every word.
inline int8x16_t LoadGroup(const int8_t* p, int count) {
  int32_t word = 0;
  std::memcpy(&word, p, static_cast<size_t>(count));
  return vreinterpretq_s8_s32(vdupq_n_s32(word));
}

struct DotTile {
  // Groups J of the activation vectors x against weight groups J from b.
  template <int kRows, size_t... J>
  static void Groups(const int8_t* b, const int8x16_t (&x)[kRows], TileAccumulators<kRows>& acc,
                     std::index_sequence<J...>) {
    (
        [&] {
          const int8x16_t w0 = vld1q_s8(b + J * 32), w1 = vld1q_s8(b + J * 32 + 16);
          for (int r = 0; r < kRows; ++r) {
            acc[r][0] = vdotq_laneq_s32(acc[r][0], w0, x[r], J);
            acc[r][1] = vdotq_laneq_s32(acc[r][1], w1, x[r], J);
          }
        }(),
        ...);
  }

  template <int kRows>
  static void Run(const GemmWeights& w, const int8_t* a, int64_t lda, int col, int8_t* out, int64_t ldc) {
    const int kp = (w.k + 3) / 4 * 4;
    const int8_t* b = w.packed.data() + static_cast<int64_t>(col / 8) * kp * 8;
    TileAccumulators<kRows> acc;
    for (int r = 0; r < kRows; ++r) acc[r][0] = acc[r][1] = vdupq_n_s32(0);
    int k0 = 0;
    for (; k0 + 16 <= w.k; k0 += 16, b += 4 * 32) {
      int8x16_t x[kRows];
      for (int r = 0; r < kRows; ++r) x[r] = vld1q_s8(a + r * lda + k0);
      Groups<kRows>(b, x, acc, std::make_index_sequence<4>());
    }
    for (; k0 < w.k; k0 += 4, b += 32) {  // the last k % 16: a group at a time
      int8x16_t x[kRows];
      for (int r = 0; r < kRows; ++r) x[r] = LoadGroup(a + r * lda + k0, std::min(4, w.k - k0));
      Groups<kRows>(b, x, acc, std::make_index_sequence<1>());
    }
    arm::StoreTile<kRows>(w, acc, col, out, ldc);
  }
};

}  // namespace

void GemmNeonDot(const GemmWeights& w, int m, const int8_t* a, int64_t lda, GemmSegments /*whole rows*/,
                 int8_t* out, int64_t ldc, int col_begin, int col_end) {
  arm::GemmTiles<DotTile>(w, m, a, lda, out, ldc, col_begin, col_end);
}

}  // namespace qforge::runtime

#pragma GCC pop_options
