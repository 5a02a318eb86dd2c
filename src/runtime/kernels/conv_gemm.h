// int8 convolution as GEMM on the optimized GEMM kernels (kernels/gemm.h): the OHWI filter is
// an [out_c][kh * kw * in_c] matrix. A 1x1, stride-1, unpadded convolution multiplies the NHWC
// input rows directly (GemmRunner). Otherwise, where the kernel takes segmented rows (VNNI) and
// dilation_w is 1, each band of output rows gets a padded copy of its input rows
// (kernels/padded_bands.h) and each kernel row's taps are read as one run of it, in a slot of
// whole groups of 4 bytes with zero weights after the taps — no im2col. Any other case
// gathers im2col rows — the taps of a block of output pixels, with the input zero point at
// padding taps (which adds exactly nothing, as the reference's skipped taps) — into scratch,
// a block at a time, in the GEMM kernel's input form; thin inputs (a kernel row of at
// most 16 bytes) give each kernel row a whole 8- or 16-byte slot, so an inside window is
// gathered as kh word copies. Pruned filters may run on the sparse kernel instead
// (kernels/sparse_gemm.h): 1x1 convolutions on the input rows, the others on the same padded
// bands (no im2col). Byte-exact with ref::Conv2D. C++17.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "runtime/kernels/gemm.h"
#include "runtime/kernels/padded_bands.h"
#include "runtime/kernels/sparse_gemm.h"

namespace qforge::runtime {

// A 1x1, stride-1, unpadded convolution: a GEMM on the input rows as they are.
bool IsOneByOne(const ConvGeometry& g);

class ConvGemm {
 public:
  // filter [out_c][kh][kw][in_c] (OHWI), bias [out_c] or null. `pool` (or null: one thread)
  // runs the row blocks; its threads each get their own scratch.
  ConvGemm(const ConvGeometry& g, const GemmKernel& kernel, const int8_t* filter, const int32_t* bias, const Requantization& q,
           ThreadPool* pool);
  // The same, int32 output (kernels/gemm.h PackGemmInt32).
  ConvGemm(const ConvGeometry& g, const GemmKernel& kernel, const int8_t* filter, ThreadPool* pool);
  // On the sparse kernel (a pruned filter: ChooseSparseGemm), where SparseFits(g): 1x1
  // convolutions on the input rows, the others (dilation_w 1) on padded bands.
  ConvGemm(const ConvGeometry& g, const SparseGemmKernel& kernel, const int8_t* filter, const int32_t* bias,
           const Requantization& q, ThreadPool* pool);
  static bool SparseFits(const ConvGeometry& g);
  // Whether the sparse kernel is expected to beat the dense one on this convolution by
  // `required_speedup` (SparseFits, then ChooseSparseGemm on the filter as the sparse path lays
  // it out: kernel rows in slots of whole groups).
  static bool ChooseSparse(const ConvGeometry& g, const int8_t* filter, double required_speedup);
  // Not reentrant: Run uses the object's scratch. `image_zero_points` (one per image, or null:
  // the Requantization's) is what padding taps read — for int32-output weights (dynamic-range
  // layers, whose images each have their own grid); `output` is int32 for those.
  void Run(const int8_t* input, int8_t* output, const int32_t* image_zero_points = nullptr);
  bool direct() const { return direct_; }        // 1x1 without im2col
  bool segmented() const { return segmented_; }  // padded input runs, no im2col
  bool sparse() const { return sparse_ != nullptr || sparse_banded_; }
  bool word_rows() const { return !segmented_ && slot_ != run_; }  // thin input: kernel rows in word slots

 private:
  ConvGemm(const ConvGeometry& g, const GemmKernel& kernel, const int8_t* filter, ThreadPool* pool,
           const std::function<GemmWeights(int n, int k, const int8_t* w)>& pack);
  void Gather(const int8_t* input, int64_t first_row, int rows, const int32_t* image_zero_points,
              int8_t* scratch) const;
  // Segmented path: one band of output rows (PaddedBands task).
  void RunBand(const int8_t* input, int task, const int32_t* image_zero_points, int8_t* scratch, int8_t* output) const;
  void RunSparse(const int8_t* input, int8_t* output);

  ConvGeometry g_;
  ThreadPool* pool_;
  bool direct_ = false;
  std::unique_ptr<GemmRunner> direct_runner_;  // 1x1 path
  GemmWeights weights_;                        // im2col path
  std::unique_ptr<SparseGemmRunner> sparse_;   // sparse kernel, 1x1
  bool sparse_banded_ = false;                 // sparse kernel on padded bands:
  SparseGemmWeights sparse_weights_;           //   its weights
  std::vector<uint8_t, AlignedAllocator<uint8_t>> panels_;  //   one panel per thread
  // What gathered rows and bands hold: a ^ flip (the kernel's input form), copied with
  // `copy_`; padding taps the input zero point.
  uint8_t flip_ = 0;
  CopyRun copy_ = CopyFlipped;
  int32_t input_zero_point_ = 0;
  int run_ = 0;        // bytes of one kernel row's taps: kw * in_c
  int slot_ = 0;       // bytes one kernel row takes in an im2col row: run_, or 8 / 16 (thin)
  int row_bytes_ = 0;  // one im2col row, padded as the GEMM input form needs
  int64_t input_bytes_ = 0;
  bool segmented_ = false;
  PaddedBands bands_;  // segmented path
  std::vector<int8_t> scratch_;  // per thread: im2col rows of one block, or one band's padded input
};

}  // namespace qforge::runtime
