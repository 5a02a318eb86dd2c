// int8 convolution as GEMM on the optimized GEMM kernels (kernels/gemm.h): the OHWI filter is
// an [out_c][kh * kw * in_c] matrix. A 1x1, stride-1, unpadded convolution multiplies the NHWC
// input rows directly; any other gathers im2col rows — the taps of a block of output pixels,
// with the input zero point at padding taps (which adds exactly nothing, as the reference's
// skipped taps) — into scratch, a block at a time, in the GEMM kernel's native input form
// (a + 128 for VNNI). Byte-exact with ref::Conv2D. C++17.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "runtime/kernels/gemm.h"

namespace qforge::runtime {

class ConvGemm {
 public:
  // `pool` (or null: one thread) runs the row blocks; its threads each get their own scratch.
  ConvGemm(const ConvGeometry& g, GemmWeights weights, ThreadPool* pool);
  // Not reentrant: Run uses the object's scratch.
  void Run(const int8_t* input, int8_t* output);
  bool direct() const { return direct_; }  // 1x1 without im2col

 private:
  void Gather(const int8_t* input, int64_t first_row, int rows, int8_t* scratch) const;

  ConvGeometry g_;
  GemmWeights weights_;  // im2col path
  std::unique_ptr<GemmRunner> direct_runner_;  // 1x1 path
  ThreadPool* pool_;
  GemmInput input_;  // the form im2col writes: the ISA's native one
  bool direct_;
  int row_bytes_ = 0;
  // Thin inputs (fewer than 8 channels): each im2col element's offset from its window's first
  // tap, for windows entirely inside the image (gathered element by element, no run logic).
  std::vector<int32_t> tap_offsets_;
  std::vector<int8_t> scratch_;  // im2col rows of one block per thread
};

}  // namespace qforge::runtime
