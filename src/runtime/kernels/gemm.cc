// The GEMM family's table, weight packing, and GemmRunner (row blocks converted to the kernel's
// input form, split over threads).
#include "runtime/kernels/gemm.h"

#include <algorithm>
#include <cstring>

#include "runtime/wrapping_math.h"

namespace qforge::runtime {
namespace {

// Row blocks are multiples of 24 rows: whole register tiles (12 rows VNNI, 4 AVX2, 8 NEON).
constexpr int kRowQuantum = 24;

int RoundUp(int x, int to) { return (x + to - 1) / to * to; }

}  // namespace

const std::vector<GemmKernel>& GemmKernels() {
  static const std::vector<GemmKernel> family = {
      {Isa::kRef, "ref", 1, 1, 1, 1, GemmInput::kInt8, false, false, CopyFlipped, nullptr},
#if defined(QFORGE_X86_KERNELS)
      {Isa::kAvx2, "gemm avx2", 8, 2, 2, 16, GemmInput::kInt8, false, false, CopyFlipped, GemmAvx2},
      {Isa::kAvx512Vnni, "gemm avx512vnni", 16, 4, 1, 32, GemmInput::kBiasedU8, true, true, CopyFlippedAvx512,
       GemmAvx512Vnni, /*nibbles=*/false, /*zero_point_in_bias=*/true},
#endif
#if defined(QFORGE_ARM_KERNELS)
      {Isa::kNeon, "gemm neon", 8, 1, 2, 8, GemmInput::kInt8, false, false, CopyFlipped, GemmNeon},
      {Isa::kNeonDot, "gemm neondot", 8, 4, 1, 8, GemmInput::kInt8, false, false, CopyFlipped, GemmNeonDot,
       /*nibbles=*/false, /*zero_point_in_bias=*/true},
#endif
  };
  return family;
}

const std::vector<GemmKernel>& SubByteGemmKernels() {
  static const std::vector<GemmKernel> family = {
      {Isa::kRef, "ref", 1, 1, 1, 1, GemmInput::kInt8, false, false, CopyFlipped, nullptr},
#if defined(QFORGE_X86_KERNELS)
      {Isa::kAvx512Vnni, "gemm avx512vnni w4", 16, 8, 1, 32, GemmInput::kBiasedU8, true, true, CopyFlippedAvx512,
       GemmAvx512VnniW4, /*nibbles=*/true, /*zero_point_in_bias=*/true},
#endif
  };
  return family;
}

OneShiftRounding OneShiftRoundingFor(int right_shift) {
  // r = floor((x m + 2^30 + (h - s) 2^31) / 2^(31 + e)) with e the right shift, h = 2^(e-1)
  // (0 when e = 0) and s = [x < 0 and e > 0]: the derivation is in requant_avx512.h.
  const int e = right_shift;
  const int64_t half = e > 0 ? int64_t{1} << (e - 1) : 0;
  OneShiftRounding r;
  r.add = (int64_t{1} << 30) + half * (int64_t{1} << 31);
  r.add_negative = r.add - (e > 0 ? int64_t{1} << 31 : 0);
  r.shift = 31 + e;
  return r;
}

GemmWeights PackGemm(const GemmKernel& kernel, int n, int k, const int8_t* w, const int32_t* bias,
                     const Requantization& q) {
  GemmWeights p;
  p.kernel = &kernel;
  p.n = n;
  p.k = k;
  p.input_zero_point = q.input_zero_point;
  p.output_zero_point = q.output_zero_point;
  p.act_min = q.act_min;
  p.act_max = q.act_max;
  const int block = kernel.column_block, group = kernel.k_group;
  const int np = RoundUp(n, block), kp = RoundUp(k, group);
  p.bias.assign(np, 0);
  p.multiplier.assign(np, 0);
  p.left_shift.assign(np, 0);
  p.right_shift.assign(np, 0);
  for (int c = 0; c < n; ++c) {
    int32_t sum = 0;
    for (int i = 0; i < k; ++i) sum = WrappingAdd(sum, int32_t{w[static_cast<int64_t>(c) * k + i]});
    // A kernel multiplying a' = a + offset (offset 128 for u8 input, else 0):
    // sum w (a - zp) = sum w a' - (offset + zp) sum w (modulo 2^32, as the kernels add).
    const int32_t offset = kernel.zero_point_in_bias ? GemmInputOffset(kernel) + q.input_zero_point : 0;
    p.bias[c] = WrappingSub(bias ? bias[c] : 0, WrappingMul(offset, sum));
    p.multiplier[c] = q.multiplier[c];
    p.left_shift[c] = std::max(q.shift[c], 0);
    p.right_shift[c] = std::max(-q.shift[c], 0);
    p.any_left_shift = p.any_left_shift || q.shift[c] > 0;
  }
  if (kernel.one_shift_requant) {
    p.round_add.assign(np, 0);
    p.round_add_negative.assign(np, 0);
    p.round_shift.assign(np, 0);
    for (int c = 0; c < np; ++c) {
      const int lane = c / 16 * 16 + (c % 2) * 8 + c % 16 / 2;
      const OneShiftRounding r = OneShiftRoundingFor(p.right_shift[c]);
      p.round_add[lane] = r.add;
      p.round_add_negative[lane] = r.add_negative;
      p.round_shift[lane] = r.shift;
    }
  }
  if (kernel.nibbles) {
    // [np / 16][kp / 8][16][4] bytes: k = 8p + j in byte j's low nibble, 8p + 4 + j in its high
    // one, each as w + 8 (zero padding: 8).
    p.packed.assign(static_cast<size_t>(np) * kp / 2, static_cast<int8_t>(0x88));
    for (int c = 0; c < n; ++c)
      for (int i = 0; i < k; ++i) {
        const int64_t index = ((static_cast<int64_t>(c / block) * (kp / group) + i / group) * block + c % block) * 4 + i % 4;
        // In [0, 15] for weights on the grid (the interpreter checks them at load); masked anyway.
        const int nibble = (w[static_cast<int64_t>(c) * k + i] + 8) & 0xF, shift = i % group >= 4 ? 4 : 0;
        auto& byte = reinterpret_cast<uint8_t&>(p.packed[index]);
        byte = static_cast<uint8_t>((byte & ~(0xF << shift)) | (nibble << shift));
      }
    return p;
  }
  // [np / block][kp / group][block][group] elements: int8 (VNNI, sdot) or int16 (AVX2, smlal).
  const int bytes = kernel.weight_bytes;
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

GemmWeights PackGemmInt32(const GemmKernel& kernel, int n, int k, const int8_t* w) {
  const std::vector<int32_t> unit_multiplier(n, 1 << 30), no_shift(n, 0);
  Requantization q;
  q.multiplier = unit_multiplier.data();
  q.shift = no_shift.data();
  GemmWeights p = PackGemm(kernel, n, k, w, nullptr, q);
  std::fill(p.bias.begin(), p.bias.end(), 0);  // no input zero-point correction either
  p.int32_output = true;
  return p;
}

int32_t GemmInputOffset(const GemmKernel& kernel) { return kernel.input == GemmInput::kBiasedU8 ? 128 : 0; }

uint8_t GemmInputFlip(const GemmKernel& kernel) { return kernel.input == GemmInput::kBiasedU8 ? 0x80 : 0x00; }

int GemmInputRowBytes(const GemmKernel& kernel, int k) {
  return kernel.input == GemmInput::kBiasedU8 ? RoundUp(k, kernel.k_group) : k;
}

void CopyFlipped(uint8_t* __restrict dst, const uint8_t* __restrict src, int n, uint8_t flip) {
  const uint64_t flip8 = 0x0101010101010101ull * flip;
  int i = 0;
  for (; i + 8 <= n; i += 8) {  // 8 bytes at a time
    uint64_t word;
    std::memcpy(&word, src + i, 8);
    word ^= flip8;
    std::memcpy(dst + i, &word, 8);
  }
  for (; i < n; ++i) dst[i] = src[i] ^ flip;
}

void ToGemmInput(const GemmKernel& kernel, int rows, int k, const int8_t* a, int64_t lda, int8_t* native,
                 int64_t stride) {
  const int row_bytes = GemmInputRowBytes(kernel, k);
  const uint8_t flip = GemmInputFlip(kernel);
  for (int r = 0; r < rows; ++r) {
    auto* dst = reinterpret_cast<uint8_t*>(native + r * stride);
    kernel.copy(dst, reinterpret_cast<const uint8_t*>(a + r * lda), k, flip);  // a + 128 as u8, or a itself
    std::memset(dst + k, 0, static_cast<size_t>(row_bytes - k));
  }
}

void Gemm(const GemmWeights& w, int m, const int8_t* a, int64_t lda, int8_t* out, int64_t ldc, int col_begin,
          int col_end) {
  w.kernel->run(w, m, a, lda, GemmSegments{}, out, ldc, col_begin, col_end < 0 ? w.n : col_end);
}

void GemmSegmented(const GemmWeights& w, int m, const int8_t* a, int64_t lda, GemmSegments segments, int8_t* out,
                   int64_t ldc) {
  w.kernel->run(w, m, a, lda, segments, out, ldc, 0, w.n);
}

namespace {

// Rows [0, m) of a (the kernel's input form) split over the pool's threads by column tiles.
void ColumnTiles(ThreadPool* pool, const GemmWeights& w, int m, const int8_t* a, int64_t lda, int8_t* out,
                 int64_t ldc) {
  const int tile = w.kernel->column_tile, tiles = (w.n + tile - 1) / tile;
  pool->Run(tiles, [&](int t, int) { Gemm(w, m, a, lda, out, ldc, t * tile, std::min(w.n, (t + 1) * tile)); });
}

// Gemm on int8 rows split over the pool's threads: by rows when there are enough, else by
// column tiles.
void ParallelGemm(ThreadPool* pool, const GemmWeights& w, int m, const int8_t* a, int64_t lda, int8_t* out,
                  int64_t ldc) {
  const int threads = pool ? pool->size() : 1;
  constexpr int kRowTile = 8;
  if (threads == 1 || pool->TasksFor(int64_t{m} * w.n * w.k, threads) == 1) return Gemm(w, m, a, lda, out, ldc);
  if (m >= kRowTile * threads) {  // row blocks, a multiple of the register tile each
    const int tasks = std::min((m + kRowTile - 1) / kRowTile, 4 * threads);
    const int rows = (m + tasks - 1) / tasks;
    pool->Run(tasks, [&](int t, int) {
      const int first = t * rows, count = std::min(rows, m - first);
      if (count > 0) Gemm(w, count, a + first * lda, lda, GemmOutputRow(w, out, first, ldc), ldc);
    });
    return;
  }
  ColumnTiles(pool, w, m, a, lda, out, ldc);
}

}  // namespace

GemmRunner::GemmRunner(GemmWeights weights, ThreadPool* pool)
    : weights_(std::move(weights)), pool_(pool), input_(weights_.kernel->input) {
  if (input_ == GemmInput::kBiasedU8) {
    row_bytes_ = GemmInputRowBytes(*weights_.kernel, weights_.k);
    // Blocks of about 128 KiB of converted activations (they stay in L2 while every column
    // tile passes over them), at least 72 rows, a multiple of the register tiles' heights.
    block_rows_ = std::max(3 * kRowQuantum, 131072 / row_bytes_ / kRowQuantum * kRowQuantum);
    scratch_.assign(static_cast<size_t>(block_rows_) * row_bytes_ * (pool ? pool->size() : 1), 0);
  }
}

void GemmRunner::Run(int m, const int8_t* a, int64_t lda, int8_t* out, int64_t ldc) {
  if (input_ == GemmInput::kInt8) return ParallelGemm(pool_, weights_, m, a, lda, out, ldc);
  const int threads = pool_ ? pool_->size() : 1;
  // With threads, at least about 4 blocks per thread (but 72 rows or more each) to balance them.
  int block_rows = block_rows_;
  if (threads > 1)
    block_rows = std::min(block_rows, RoundUp(std::max(3 * kRowQuantum, (m + 4 * threads - 1) / (4 * threads)), kRowQuantum));
  const int blocks = (m + block_rows - 1) / block_rows;
  if (blocks == 1 && threads > 1 && pool_->TasksFor(int64_t{m} * weights_.n * weights_.k, threads) > 1) {
    // One block worth splitting: convert once, split its column tiles.
    ToGemmInput(*weights_.kernel, m, weights_.k, a, lda, scratch_.data(), row_bytes_);
    return ColumnTiles(pool_, weights_, m, scratch_.data(), row_bytes_, out, ldc);
  }
  auto block = [&](int t, int worker) {
    const int first = t * block_rows, rows = std::min(block_rows, m - first);
    int8_t* scratch = scratch_.data() + static_cast<int64_t>(worker) * block_rows_ * row_bytes_;
    ToGemmInput(*weights_.kernel, rows, weights_.k, a + first * lda, lda, scratch, row_bytes_);
    Gemm(weights_, rows, scratch, row_bytes_, GemmOutputRow(weights_, out, first, ldc), ldc);
  };
  RunTasks(pool_, blocks, block);
}

}  // namespace qforge::runtime
