// GEMM weight packing per ISA, the dispatcher, the scalar implementation, and GemmRunner (row
// blocks converted to the ISA's input form, split over threads).
#include "runtime/kernels/gemm.h"

#include <algorithm>

#include "runtime/quant_math.h"

namespace qforge::runtime {
namespace {

int RoundUp(int x, int to) { return (x + to - 1) / to * to; }

// Column block and k group of each ISA's packed layout.
int ColumnBlock(Isa isa) { return isa == Isa::kAvx512Vnni ? 16 : isa == Isa::kAvx2 ? 8 : 1; }
int KGroup(Isa isa) { return isa == Isa::kAvx512Vnni ? 4 : isa == Isa::kAvx2 ? 2 : 1; }

void GemmRef(const GemmWeights& w, int m, const int8_t* a, int64_t lda, int8_t* out, int64_t ldc, int col_begin,
             int col_end) {
  for (int r = 0; r < m; ++r)
    for (int c = col_begin; c < col_end; ++c) {
      int32_t acc = w.bias[c];
      const int8_t* wc = w.packed.data() + static_cast<int64_t>(c) * w.k;
      for (int k = 0; k < w.k; ++k) acc += wc[k] * (a[r * lda + k] - w.input_zero_point);
      const int shift = w.left_shift[c] - w.right_shift[c];
      const int32_t v = MultiplyByQuantizedMultiplier(acc, w.multiplier[c], shift) + w.output_zero_point;
      out[r * ldc + c] = static_cast<int8_t>(std::clamp(v, w.act_min, w.act_max));
    }
}

}  // namespace

GemmWeights PackGemm(Isa isa, int n, int k, const int8_t* w, const int32_t* bias, const Requantization& q) {
  GemmWeights p;
  p.isa = isa;
  p.n = n;
  p.k = k;
  p.input_zero_point = q.input_zero_point;
  p.output_zero_point = q.output_zero_point;
  p.act_min = q.act_min;
  p.act_max = q.act_max;
  const int block = ColumnBlock(isa), group = KGroup(isa);
  const int np = RoundUp(n, block), kp = RoundUp(k, group);
  p.bias.assign(np, 0);
  p.multiplier.assign(np, 0);
  p.left_shift.assign(np, 0);
  p.right_shift.assign(np, 0);
  for (int c = 0; c < n; ++c) {
    int32_t sum = 0;
    for (int i = 0; i < k; ++i) sum += w[static_cast<int64_t>(c) * k + i];
    // VNNI multiplies a + 128 (u8): sum w (a - zp) = sum w (a + 128) - (128 + zp) sum w.
    p.bias[c] = (bias ? bias[c] : 0) - (isa == Isa::kAvx512Vnni ? (128 + q.input_zero_point) * sum : 0);
    p.multiplier[c] = q.multiplier[c];
    p.left_shift[c] = std::max(q.shift[c], 0);
    p.right_shift[c] = std::max(-q.shift[c], 0);
  }
  if (isa == Isa::kRef) {
    p.packed.assign(w, w + static_cast<int64_t>(n) * k);
    return p;
  }
  // [np / block][kp / group][block][group] elements: int8 (VNNI) or int16 (AVX2).
  const int bytes = isa == Isa::kAvx2 ? 2 : 1;
  p.packed.assign(static_cast<size_t>(np) * kp * bytes, 0);
  for (int c = 0; c < n; ++c)
    for (int i = 0; i < k; ++i) {
      const int64_t index = ((static_cast<int64_t>(c / block) * (kp / group) + i / group) * block + c % block) * group + i % group;
      const int8_t v = w[static_cast<int64_t>(c) * k + i];
      if (bytes == 2) {
        const int16_t wide = v;
        std::copy_n(reinterpret_cast<const int8_t*>(&wide), 2, p.packed.data() + index * 2);
      } else {
        p.packed[index] = v;
      }
    }
  return p;
}

int GemmColumnTile(Isa isa) { return isa == Isa::kAvx512Vnni ? 48 : isa == Isa::kAvx2 ? 16 : 1; }

GemmInput NativeGemmInput(Isa isa) { return isa == Isa::kAvx512Vnni ? GemmInput::kBiasedU8 : GemmInput::kInt8; }

void Gemm(const GemmWeights& w, int m, const int8_t* a, int64_t lda, int8_t* out, int64_t ldc, int col_begin,
          int col_end, GemmInput input) {
  if (col_end < 0) col_end = w.n;
  switch (w.isa) {
#if defined(QFORGE_X86_KERNELS)
    case Isa::kAvx512Vnni: return GemmAvx512Vnni(w, m, a, lda, out, ldc, col_begin, col_end, input);
    case Isa::kAvx2: return GemmAvx2(w, m, a, lda, out, ldc, col_begin, col_end);
#endif
    default: return GemmRef(w, m, a, lda, out, ldc, col_begin, col_end);
  }
}

namespace {

// Gemm on int8 rows split over the pool's threads: by rows when there are enough, else by
// column tiles.
void ParallelGemm(ThreadPool* pool, const GemmWeights& w, int m, const int8_t* a, int64_t lda, int8_t* out,
                  int64_t ldc) {
  const int threads = pool ? pool->size() : 1;
  constexpr int kRowTile = 8;
  if (threads == 1) return Gemm(w, m, a, lda, out, ldc);
  if (m >= kRowTile * threads) {  // row blocks, a multiple of the register tile each
    const int tasks = std::min((m + kRowTile - 1) / kRowTile, 4 * threads);
    const int rows = (m + tasks - 1) / tasks;
    pool->Run(tasks, [&](int t, int) {
      const int first = t * rows, count = std::min(rows, m - first);
      if (count > 0) Gemm(w, count, a + first * lda, lda, out + first * ldc, ldc);
    });
    return;
  }
  const int tile = GemmColumnTile(w.isa), tiles = (w.n + tile - 1) / tile;
  pool->Run(tiles, [&](int t, int) { Gemm(w, m, a, lda, out, ldc, t * tile, std::min(w.n, (t + 1) * tile)); });
}

}  // namespace

GemmRunner::GemmRunner(GemmWeights weights, ThreadPool* pool)
    : w_(std::move(weights)), pool_(pool), input_(NativeGemmInput(w_.isa)) {
  if (input_ == GemmInput::kBiasedU8) {
    row_bytes_ = (w_.k + 3) / 4 * 4;
    // Blocks of about 128 KiB of converted activations (they stay in L2 while every column
    // tile passes over them), at least 64 rows, a multiple of the 8-row register tile.
    block_rows_ = std::max(64, 131072 / row_bytes_ / 8 * 8);
    scratch_.assign(static_cast<size_t>(block_rows_) * row_bytes_ * (pool ? pool->size() : 1), 0);
  }
}

void GemmRunner::Convert(const int8_t* a, int64_t lda, int rows, int8_t* scratch) const {
  const int k = w_.k, row_bytes = row_bytes_;  // locals: byte stores would force reloads of members
  for (int r = 0; r < rows; ++r) {
    const auto* __restrict src = reinterpret_cast<const uint8_t*>(a + r * lda);
    auto* __restrict dst = reinterpret_cast<uint8_t*>(scratch) + static_cast<int64_t>(r) * row_bytes;
    for (int i = 0; i < k; ++i) dst[i] = src[i] ^ 0x80;  // a + 128; the padding stays zero
  }
}

void GemmRunner::Run(int m, const int8_t* a, int64_t lda, int8_t* out, int64_t ldc) {
  if (input_ == GemmInput::kInt8) return ParallelGemm(pool_, w_, m, a, lda, out, ldc);
  const int threads = pool_ ? pool_->size() : 1;
  // With threads, at least about 4 blocks per thread (but 64 rows or more each) to balance them.
  int block_rows = block_rows_;
  if (threads > 1) block_rows = std::min(block_rows, std::max(64, (m + 4 * threads - 1) / (4 * threads) + 7) / 8 * 8);
  const int blocks = (m + block_rows - 1) / block_rows;
  if (blocks == 1 && threads > 1) {  // one block: convert once, split its column tiles
    Convert(a, lda, m, scratch_.data());
    const int tile = GemmColumnTile(w_.isa), tiles = (w_.n + tile - 1) / tile;
    pool_->Run(tiles, [&](int t, int) {
      Gemm(w_, m, scratch_.data(), row_bytes_, out, ldc, t * tile, std::min(w_.n, (t + 1) * tile), input_);
    });
    return;
  }
  auto block = [&](int t, int worker) {
    const int first = t * block_rows, rows = std::min(block_rows, m - first);
    int8_t* scratch = scratch_.data() + static_cast<int64_t>(worker) * block_rows_ * row_bytes_;
    Convert(a + first * lda, lda, rows, scratch);
    Gemm(w_, rows, scratch, row_bytes_, out + first * ldc, ldc, 0, -1, input_);
  };
  if (pool_) {
    pool_->Run(blocks, block);
  } else {
    for (int t = 0; t < blocks; ++t) block(t, 0);
  }
}

}  // namespace qforge::runtime
