// Float layers on the float kernel family (kernels/float_kernels.h), split over the
// interpreter's threads: dense layers and convolutions as GEMM (kernels/segmented_conv.h), and
// depthwise convolutions (depth multiplier 1) on padded bands. Not reentrant: Run uses
// per-thread scratch. C++17.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/kernels/float_kernels.h"
#include "runtime/kernels/padded_bands.h"
#include "runtime/kernels/segmented_conv.h"
#include "runtime/thread_pool.h"

namespace qforge::runtime {

// filter [out_c][kh][kw][in_c] (OHWI), bias [out_c] or null.
class FloatConv : public SegmentedConv<float, FloatGemmWeights> {
 public:
  FloatConv(const ConvGeometry& g, const FloatKernels& kernel, const float* filter, const float* bias,
            ref::FloatActivation act, ThreadPool* pool)
      : SegmentedConv(g, pool, [&](int n, int k, int) { return PackFloatGemm(kernel, n, k, filter, bias, act); }) {}
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
