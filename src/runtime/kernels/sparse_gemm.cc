// The sparse GEMM's table, packing of the kept blocks, its cost model against the dense
// kernel, the portable panel rearrangement, and SparseGemmRunner.
#include "runtime/kernels/sparse_gemm.h"

#include <algorithm>
#include <cstring>

#include "runtime/kernels/gemm.h"
#include "runtime/wrapping_math.h"

namespace qforge::runtime {
namespace {

constexpr int kLanes = 16;     // rows per panel block
constexpr int kRowQuantum = 64;  // rows of one register tile (4 panel blocks)

int RoundUp(int64_t x, int to) { return static_cast<int>((x + to - 1) / to * to); }

// The portable panel rearrangement (the reference twin of ToPanelAvx512).
void ToPanel(int rows, int k, PanelRows source, uint8_t flip, uint8_t* panel) {
  const int groups = (k + 3) / 4, run = k / source.segments;
  for (int r = 0; r < RoundUp(rows, kLanes); ++r)
    for (int i = 0; i < groups * 4; ++i) {
      const int8_t* byte = r < rows && i < k ? source.starts[r] + i / run * source.segment_stride + i % run : nullptr;
      const uint8_t v = byte ? static_cast<uint8_t>(*byte) ^ flip : flip;
      panel[((static_cast<int64_t>(r / kLanes) * groups + i / 4) * kLanes + r % kLanes) * 4 + i % 4] = v;
    }
}

bool BlockKept(int k, const int8_t* column, int group) {
  for (int i = group * 4; i < std::min(k, group * 4 + 4); ++i)
    if (column[i] != 0) return true;
  return false;
}

}  // namespace

const std::vector<SparseGemmKernel>& SparseGemmKernels() {
  static const std::vector<SparseGemmKernel> family = {
      {Isa::kRef, "ref", ToPanel, nullptr},
#if defined(QFORGE_X86_KERNELS)
      {Isa::kAvx512Vnni, "sparse gemm avx512vnni", ToPanelAvx512, SparseGemmAvx512Vnni},
#endif
  };
  return family;
}

int64_t CountKeptBlocks(int n, int k, const int8_t* w) {
  int64_t kept = 0;
  const int groups = (k + 3) / 4;
  for (int c = 0; c < n; ++c)
    for (int g = 0; g < groups; ++g) kept += BlockKept(k, w + static_cast<int64_t>(c) * k, g);
  return kept;
}

bool ChooseSparseGemm(int n, int k, const int8_t* w, int64_t rows, double required_speedup) {
  // Time of each kernel in units of the dense kernel's vpdpbusd, fitted to bench/sparse_gemm_bench
  // (168 shapes, patterns and row counts; bench/RESULTS.md). Dense: one vpdpbusd per row, group
  // and 16 columns, its epilogue per row and 16 columns, and streaming the packed weights once
  // per call. Sparse: per 16 rows, a kept block (a vpdpbusd with its activations' load), the
  // panel rearrangement per group, the epilogue per column (requantization, byte transpose);
  // and the kept blocks streamed once per call (against the int8 dense kernel also where a layer
  // would run the w4 one: in cache they are as fast). Every 64-row tile reads the whole list of kept
  // blocks (8 bytes each): past about 768 KiB it no longer stays in this core's 1 MiB L2 and a
  // block costs 1.8 times as much (a 1024 x 1024 layer at 50% block sparsity: 0.62x).
  constexpr double kDenseEpilogue = 14.0, kDenseWeights = 3.0;
  constexpr double kSparseBlock = 1.8, kPanel = 5.75, kSparseEpilogue = 25.0, kSparseWeights = 1.0;
  constexpr double kListInL2 = 768.0 * 1024, kOutOfL2 = 1.8;
  const int groups = (k + 3) / 4;
  const double kept = static_cast<double>(CountKeptBlocks(n, k, w));
  const double column_vectors = (n + 15) / 16, row_blocks = (rows + kLanes - 1) / kLanes;
  const double dense = rows * column_vectors * (groups + kDenseEpilogue) + kDenseWeights * column_vectors * groups;
  const double block = kSparseBlock * (kept * 8 > kListInL2 ? kOutOfL2 : 1.0);
  const double sparse = row_blocks * (block * kept + kPanel * groups + kSparseEpilogue * n) + kSparseWeights * kept;
  return sparse * required_speedup < dense;
}

SparseGemmWeights PackSparseGemm(const SparseGemmKernel& kernel, int n, int k, const int8_t* w, const int32_t* bias,
                                 const Requantization& q) {
  SparseGemmWeights p;
  p.kernel = &kernel;
  p.n = n;
  p.k = k;
  p.groups = (k + 3) / 4;
  p.output = q;  // the zero points and activation bounds (the per-channel tables are copied below)
  p.output.multiplier = p.output.shift = nullptr;
  p.column_start.push_back(0);
  for (int c = 0; c < n; ++c) {
    const int8_t* column = w + static_cast<int64_t>(c) * k;
    int32_t sum = 0;
    for (int i = 0; i < k; ++i) sum = WrappingAdd(sum, int32_t{column[i]});
    for (int g = 0; g < p.groups; ++g) {
      if (!BlockKept(k, column, g)) continue;
      uint8_t bytes[4] = {0, 0, 0, 0};
      for (int j = 0; j < 4 && g * 4 + j < k; ++j) bytes[j] = static_cast<uint8_t>(column[g * 4 + j]);
      int32_t packed;
      std::memcpy(&packed, bytes, 4);
      p.block.push_back(g * kLanes * 4);
      p.block.push_back(packed);
    }
    p.column_start.push_back(static_cast<int32_t>(p.block.size() / 2));
    // The panel holds a + 128 (u8): sum w (a - zp) = sum w (a + 128) - (128 + zp) sum w.
    p.bias.push_back(WrappingSub(bias ? bias[c] : 0, WrappingMul(128 + q.input_zero_point, sum)));
    p.multiplier.push_back(q.multiplier[c]);
    const int left = std::max(q.shift[c], 0);
    p.left_shift.push_back(left);
    p.any_left_shift = p.any_left_shift || left > 0;
    const OneShiftRounding r = OneShiftRoundingFor(std::max(-q.shift[c], 0));
    p.round_add.push_back(r.add);
    p.round_add_negative.push_back(r.add_negative);
    p.round_shift.push_back(r.shift);
  }
  return p;
}

int64_t PanelBytes(const SparseGemmWeights& w, int rows) {
  return static_cast<int64_t>(RoundUp(rows, kLanes)) * w.groups * 4;
}

SparseGemmRunner::SparseGemmRunner(SparseGemmWeights weights, int max_rows, ThreadPool* pool)
    : weights_(std::move(weights)), pool_(pool) {
  // Blocks of about 64 KiB of panel (they stay in L2 while every column passes over them), a
  // multiple of the register tile's 64 rows; never more than one call's rows.
  const int64_t row_bytes = static_cast<int64_t>(weights_.groups) * 4;
  block_rows_ = std::max<int>(kRowQuantum, static_cast<int>(65536 / row_bytes / kRowQuantum * kRowQuantum));
  block_rows_ = std::min(block_rows_, RoundUp(std::max(max_rows, 1), kRowQuantum));
  scratch_.assign(static_cast<size_t>(PanelBytes(weights_, block_rows_)) * (pool ? pool->size() : 1), 0);
}

void SparseGemmRows(const SparseGemmWeights& w, int m, PanelRows source, int8_t* out, int64_t ldc, uint8_t* panel) {
  w.kernel->to_panel(m, w.k, source, 0, panel);
  w.kernel->run(w, m, panel, out, ldc, 0, w.n);
}

namespace {

// Rows [0, m) of a (stride lda), a ^ flip, into the panel, 64 rows at a time.
void RowsToPanel(const SparseGemmWeights& w, int m, const int8_t* a, int64_t lda, uint8_t flip, uint8_t* panel) {
  const int8_t* starts[kRowQuantum];
  for (int first = 0; first < m; first += kRowQuantum) {
    const int rows = std::min(kRowQuantum, m - first);
    for (int r = 0; r < rows; ++r) starts[r] = a + (first + r) * lda;
    w.kernel->to_panel(rows, w.k, PanelRows{starts}, flip, panel + PanelBytes(w, first));
  }
}

}  // namespace

void SparseGemmRunner::Run(int m, const int8_t* a, int64_t lda, uint8_t flip, int8_t* out, int64_t ldc) {
  const SparseGemmWeights& w = weights_;
  const int threads = pool_ ? pool_->size() : 1;
  const int tasks = threads > 1 ? pool_->TasksFor(static_cast<int64_t>(m) * w.kept_blocks() * 4, threads) : 1;
  // One task per thread with enough rows for two panel blocks each (a row block per task: each
  // rearranges its own panel); fewer rows: one panel, its columns split in chunks of 16.
  if (tasks > 1 && m < 2 * kLanes * tasks) {
    RowsToPanel(w, m, a, lda, flip, scratch_.data());
    const int chunks = (w.n + 15) / 16;
    pool_->Run(chunks, [&](int t, int) { w.kernel->run(w, m, scratch_.data(), out, ldc, 16 * t, std::min(w.n, 16 * t + 16)); });
    return;
  }
  const int block_rows = std::min(block_rows_, RoundUp((m + tasks - 1) / tasks, kLanes));
  const int64_t panel_bytes = PanelBytes(w, block_rows_);
  RunTasks(tasks > 1 ? pool_ : nullptr, (m + block_rows - 1) / block_rows, [&](int t, int worker) {
    const int first = t * block_rows, rows = std::min(block_rows, m - first);
    uint8_t* panel = scratch_.data() + worker * panel_bytes;
    RowsToPanel(w, rows, a + first * lda, lda, flip, panel);
    w.kernel->run(w, rows, panel, out + first * ldc, ldc, 0, w.n);
  });
}

}  // namespace qforge::runtime
