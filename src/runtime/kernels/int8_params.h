// Parameters shared by every implementation (reference and SIMD) of the int8 kernels:
// geometry of NHWC convolutions and the per-channel requantization of their outputs.
#pragma once

#include <cstdint>

namespace qforge::runtime {

// NHWC input [batch, in_h, in_w, in_c] -> output [batch, out_h, out_w, out_c].
struct ConvGeometry {
  int batch = 1, in_h = 1, in_w = 1, in_c = 1;
  int out_h = 1, out_w = 1, out_c = 1;
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0;  // bottom/right padding is implied by out_h/out_w
  int dilation_h = 1, dilation_w = 1;
};

// acc (int32) -> clamp(MultiplyByQuantizedMultiplier(acc, multiplier[c], shift[c]) +
// output_zero_point, act_min, act_max). Weights are symmetric (zero point 0).
struct Requantization {
  int32_t input_zero_point = 0;
  int32_t output_zero_point = 0;
  int32_t act_min = -128, act_max = 127;  // fused ReLU / ReLU6 are tighter bounds
  const int32_t* multiplier = nullptr;    // per output channel
  const int32_t* shift = nullptr;         // per output channel
};

}  // namespace qforge::runtime
