// The int8 depthwise convolution family (depth multiplier 1): NHWC channels are contiguous, so
// each output pixel's taps are accumulated for 16 (AVX-512) or 8 (AVX2) channels at a time as
// int32 (a - zp) * w, skipping padding taps as the reference does, then requantized in
// registers. Byte-exact with ref::DepthwiseConv2D. Weights are widened to int32 and the
// per-channel tables padded at prepare time. C++17.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/kernels/dispatch.h"
#include "runtime/kernels/int8_params.h"

namespace qforge::runtime {

struct DepthwiseWeights {
  Isa isa = Isa::kRef;
  ConvGeometry g;
  int padded_c = 0;             // channels rounded up to 16
  std::vector<int32_t> w;       // [kh * kw][padded_c]
  std::vector<int32_t> bias, multiplier, left_shift, right_shift;  // [padded_c]
  // Windows inside the image: bias - zero_point * sum of the channel's weights, so the taps add
  // w * a directly; and each tap's input offset from the window's first tap.
  std::vector<int32_t> inside_bias;  // [padded_c]
  std::vector<int64_t> tap_offsets;  // [kh * kw]
  int32_t input_zero_point = 0, output_zero_point = 0, act_min = -128, act_max = 127;
};

// filter [kh][kw][c], bias [c] or null; g.out_c == g.in_c (depth multiplier 1).
DepthwiseWeights PackDepthwise(Isa isa, const ConvGeometry& g, const int8_t* filter, const int32_t* bias,
                               const Requantization& q);

// Output rows [row_begin, row_end) of the batch's out_h rows (row = b * out_h + oy).
void Depthwise(const DepthwiseWeights& w, const int8_t* input, int8_t* output, int row_begin, int row_end);

void DepthwiseAvx2(const DepthwiseWeights& w, const int8_t* input, int8_t* output, int row_begin, int row_end);
void DepthwiseAvx512(const DepthwiseWeights& w, const int8_t* input, int8_t* output, int row_begin, int row_end);

}  // namespace qforge::runtime
