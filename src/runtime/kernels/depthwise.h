// The int8 depthwise convolution family (depth multiplier 1): NHWC channels are contiguous, so
// each output pixel's taps are accumulated for 16 (AVX-512), 8 (AVX2) or 4 (NEON) channels at a
// time as int32 a * w (one vpdpwssd per tap and 16 channels with AVX-512 VNNI, vpmaddwd with
// AVX2, mla with NEON; one loop nest, kernels/simd/depthwise_loop.h) over
// a padded copy of the input (the zero point's share in the bias), then requantized in
// registers. Byte-exact with ref::DepthwiseConv2D, the family's reference entry
// (DepthwiseKernels(), kernels/kernel_family.h). Weights are widened to int32 and the
// per-channel tables padded at prepare time. C++17.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/kernels/gemm.h"
#include "runtime/kernels/int8_params.h"
#include "runtime/kernels/padded_bands.h"
#include "runtime/thread_pool.h"

namespace qforge::runtime {

struct DepthwiseKernel;

struct DepthwiseWeights {
  const DepthwiseKernel* kernel = nullptr;
  ConvGeometry g;
  int padded_c = 0;             // channels rounded up to 16
  // [kh * kw][padded_c]: each weight as int16 in the low half of an int32, the high half zero
  // — the operand of vpmaddwd / vpdpwssd, which multiply it by a lane holding an int16 value.
  std::vector<int32_t> w;
  std::vector<int32_t> bias, multiplier, left_shift, right_shift;  // [padded_c]
  // Windows of the padded input (kernels/padded_bands.h): bias - zero_point * sum of the
  // channel's weights, so the taps add w * a directly; and each tap's offset from the window's
  // first tap in the padded rows.
  std::vector<int32_t> inside_bias;  // [padded_c]
  std::vector<int64_t> tap_offsets;  // [kh * kw]
  int32_t input_zero_point = 0, output_zero_point = 0, act_min = -128, act_max = 127;
};

// Output rows [0, out_rows) of a band whose padded input rows (row_bytes each) start at
// `padded`, into `output` (the band's first output pixel).
using DepthwiseBandRun = void (*)(const DepthwiseWeights& w, const int8_t* padded, int64_t row_bytes, int out_rows,
                                  int8_t* output);

// One entry of the depthwise family's table.
struct DepthwiseKernel {
  Isa isa;
  const char* name;       // as QFORGE_VERBOSE reports it
  CopyRun copy;           // copies input rows into the padded band
  DepthwiseBandRun run;   // null for the reference
};

// ref, then the x86 or Arm kernels compiled in.
const std::vector<DepthwiseKernel>& DepthwiseKernels();

// The filter [kh][kw][c] as vpmaddwd / vpdpwssd operands, [taps][padded_c]: each weight as int16
// in the low half of an int32, the high half zero (also the 16x8 depthwise kernels' form).
std::vector<int32_t> DepthwiseLowHalfWeights(const ConvGeometry& g, const int8_t* filter, int padded_c);

// For an optimized `kernel`: filter [kh][kw][c], bias [c] or null; g.out_c == g.in_c (depth
// multiplier 1).
DepthwiseWeights PackDepthwise(const DepthwiseKernel& kernel, const ConvGeometry& g, const int8_t* filter,
                               const int32_t* bias, const Requantization& q);

// One layer: the kernel takes bands of output rows (one task each on the pool) over a padded
// copy of their input rows. Not reentrant (the scratch).
class DepthwiseRunner {
 public:
  DepthwiseRunner(DepthwiseWeights weights, ThreadPool* pool);
  void Run(const int8_t* input, int8_t* output);

 private:
  DepthwiseWeights weights_;
  ThreadPool* pool_;
  PaddedBands bands_;
  std::vector<int8_t> scratch_;  // one band per thread
};

// The ISA implementations (kernels/x86/depthwise_*.cc, kernels/arm/depthwise_neon.cc), the
// table's run functions.
void DepthwiseBandAvx2(const DepthwiseWeights& w, const int8_t* padded, int64_t row_bytes, int out_rows,
                       int8_t* output);
void DepthwiseBandNeon(const DepthwiseWeights& w, const int8_t* padded, int64_t row_bytes, int out_rows,
                       int8_t* output);
void DepthwiseBandAvx512(const DepthwiseWeights& w, const int8_t* padded, int64_t row_bytes, int out_rows,
                         int8_t* output);

}  // namespace qforge::runtime
