// Float layers on the float kernel family (kernels/float_kernels.h), split over the
// interpreter's threads. Dense layers and 1x1 stride-1 unpadded convolutions multiply the NHWC
// rows directly (RunFloatGemm). Other convolutions with dilation_w 1 copy each band of output
// rows' input rows with the padding filled in (kernels/padded_bands.h) and read each kernel
// row's taps as one run of it (segmented GEMM, no im2col); with dilation_w > 1 they gather
// im2col rows a block at a time. Depthwise convolutions (depth multiplier 1) also run on padded
// bands. Not reentrant: Run uses per-thread scratch. C++17.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/kernels/float_kernels.h"
#include "runtime/kernels/padded_bands.h"
#include "runtime/thread_pool.h"

namespace qforge::runtime {

// Rows [0, m) of a times the weights on the pool's threads (null: the caller's): row blocks when
// there are enough rows, else column tiles.
void RunFloatGemm(ThreadPool* pool, const FloatGemmWeights& w, int m, const float* a, int64_t lda, float* out,
                  int64_t ldc);

class FloatConv {
 public:
  // filter [out_c][kh][kw][in_c] (OHWI), bias [out_c] or null.
  FloatConv(const ConvGeometry& g, const FloatKernels& kernel, const float* filter, const float* bias,
            ref::FloatActivation act, ThreadPool* pool);
  void Run(const float* input, float* output);
  // How it runs, as QFORGE_VERBOSE reports it: "1x1 direct", "padded runs" or "im2col".
  const char* form() const;

 private:
  void RunBand(const float* input, int task, float* scratch, float* output) const;
  void Gather(const float* input, int64_t first_row, int rows, float* scratch) const;

  ConvGeometry g_;
  ThreadPool* pool_;
  FloatGemmWeights weights_;
  bool direct_ = false, segmented_ = false;
  PaddedBands bands_;          // segmented
  std::vector<float> scratch_;  // per thread: one band's padded input, or one block of im2col rows
};

class FloatDepthwise {
 public:
  // filter [kh][kw][c], bias [c] or null; g.out_c == g.in_c.
  FloatDepthwise(const ConvGeometry& g, const FloatKernels& kernel, const float* filter, const float* bias,
                 ref::FloatActivation act, ThreadPool* pool);
  void Run(const float* input, float* output);

 private:
  ConvGeometry g_;
  const FloatKernels* kernel_;
  ThreadPool* pool_;
  ref::FloatActivation act_;
  std::vector<float> filter_, bias_;
  std::vector<int64_t> tap_offsets_;
  PaddedBands bands_;
  std::vector<float> scratch_;  // one band per thread
};

}  // namespace qforge::runtime
