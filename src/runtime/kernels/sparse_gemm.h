// Sparse int8 GEMM for pruned weights, byte-exact with ref::FullyConnected (the same function
// as kernels/gemm.h). The weights [n][k] are cut into blocks of 1 x 4 along k — VNNI's group of
// 4 bytes — and only the blocks holding a nonzero weight are kept, per output column a list of
// (group, 4 weights). Where the dense kernel puts 16 columns in a vector, this one puts 16 rows:
// the activations (a + 128 as u8) are first rearranged into a panel [m / 16][k / 4][16 rows][4],
// so that one group of 16 rows is one 64-byte load; each kept block is then one vpdpbusd per
// 16 rows against its 4 weights broadcast. Its work is proportional to the kept blocks: 1x4
// block pruning at sparsity s does (1 - s) of the dense kernel's multiply-adds, unstructured
// pruning 1 - s^4 (most groups keep a weight below ~80% sparsity), and a layer of few output
// columns (a stem of 6 filters) fills all 16 lanes, where the dense kernel fills 6.
// ChooseSparseGemm decides, from the kept blocks and the rows per call, whether it beats the
// dense kernel. Only AVX-512 VNNI has this kernel. C++17.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/aligned_allocator.h"
#include "runtime/kernels/dispatch.h"
#include "runtime/kernels/int8_params.h"
#include "runtime/thread_pool.h"

namespace qforge::runtime {

struct SparseGemmKernel;

struct SparseGemmWeights {
  const SparseGemmKernel* kernel = nullptr;
  int n = 0, k = 0, groups = 0;  // groups = ceil(k / 4)
  // Column c's kept blocks are entries [column_start[c], column_start[c + 1]); entry e is
  // block[2 e] = its group's byte offset in a panel block (group * 64) and block[2 e + 1] = its
  // 4 weights (little-endian: weight 4 group + j in byte j).
  std::vector<int32_t> column_start;
  std::vector<int32_t> block;
  // Per column: the bias with the input corrections folded in (bias - (128 + zp) sum w), and
  // the requantization as in GemmWeights (round_add, round_add_negative, round_shift: the
  // one-shift form of kernels/x86/requant_avx512.h).
  std::vector<int32_t> bias, multiplier, left_shift;
  std::vector<int64_t> round_add, round_add_negative, round_shift;
  bool any_left_shift = false;
  Requantization output;  // zero points and activation bounds; its table pointers are null

  int64_t kept_blocks() const { return static_cast<int64_t>(block.size() / 2); }
};

// Where the activation rows of a panel are: row r's k bytes are `segments` equal runs, run s at
// starts[r] + s * segment_stride (a convolution's kernel rows in a padded band, each run a
// multiple of 4 bytes), or with one segment simply k bytes at starts[r].
struct PanelRows {
  const int8_t* const* starts = nullptr;
  int segments = 1;
  int64_t segment_stride = 0;
};
// Rows [0, rows) (at most 64), xor-ed with `flip` (0x80: a + 128; 0: already in that form),
// into the panel layout; rows past `rows` in the last block of 16, and bytes past k, are
// filled with `flip` (their weights are zero).
using ToPanelRun = void (*)(int rows, int k, PanelRows source, uint8_t flip, uint8_t* panel);
// Rows [0, m) of a panel -> out (row stride ldc), columns [col_begin, col_end) (col_begin a
// multiple of 16).
using SparseGemmRun = void (*)(const SparseGemmWeights& w, int m, const uint8_t* panel, int8_t* out, int64_t ldc,
                               int col_begin, int col_end);

struct SparseGemmKernel {
  Isa isa;
  const char* name;
  ToPanelRun to_panel;
  SparseGemmRun run;  // null for the reference
};

// ref (ref::FullyConnected on the dense weights), then the x86 kernel compiled in.
const std::vector<SparseGemmKernel>& SparseGemmKernels();

// The kept 1x4 blocks of w [n][k].
int64_t CountKeptBlocks(int n, int k, const int8_t* w);
// Whether the sparse kernel is expected to be faster than the dense VNNI kernel on weights
// w [n][k] multiplied by `rows` rows per call — a cost model of both kernels' inner loops and
// epilogues, calibrated with bench/sparse_gemm_bench (bench/RESULTS.md) — by at least
// `required_speedup`.
bool ChooseSparseGemm(int n, int k, const int8_t* w, int64_t rows, double required_speedup = 1.0);

SparseGemmWeights PackSparseGemm(const SparseGemmKernel& kernel, int n, int k, const int8_t* w, const int32_t* bias,
                                 const Requantization& q);

// Bytes of the panel for `rows` rows.
int64_t PanelBytes(const SparseGemmWeights& w, int rows);
// Rows [0, m) (at most 64, in the kernel's input form) from `source` -> out (row stride
// ldc), through the caller's panel scratch (PanelBytes(w, m) bytes, 64-byte aligned).
void SparseGemmRows(const SparseGemmWeights& w, int m, PanelRows source, int8_t* out, int64_t ldc, uint8_t* panel);

// One layer's sparse GEMM on activation rows (dense layers, 1x1 convolutions): blocks of rows are
// rearranged into per-thread panels and multiplied; threads take row blocks, or the column
// chunks of a single block. Not reentrant (the scratch).
class SparseGemmRunner {
 public:
  // `max_rows`: the most rows one Run call passes (sizes the scratch).
  SparseGemmRunner(SparseGemmWeights weights, int max_rows, ThreadPool* pool);
  // Rows [0, m) of a (k bytes each, stride lda; xor-ed with `flip` into the kernel's form).
  void Run(int m, const int8_t* a, int64_t lda, uint8_t flip, int8_t* out, int64_t ldc);
  const SparseGemmWeights& weights() const { return weights_; }

 private:
  SparseGemmWeights weights_;
  ThreadPool* pool_;
  int block_rows_ = 0;
  std::vector<uint8_t, AlignedAllocator<uint8_t>> scratch_;  // one panel of block_rows_ rows per thread
};

// The ISA implementations (kernels/x86/sparse_gemm_avx512vnni.cc).
void ToPanelAvx512(int rows, int k, PanelRows source, uint8_t flip, uint8_t* panel);
void SparseGemmAvx512Vnni(const SparseGemmWeights& w, int m, const uint8_t* panel, int8_t* out, int64_t ldc,
                          int col_begin, int col_end);

}  // namespace qforge::runtime
