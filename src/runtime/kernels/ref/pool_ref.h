// Reference int8 pooling kernels on NHWC (TFLite integer semantics). Max and average pooling
// keep the input's scale and zero point; Mean (global average over H and W) requantizes.
#pragma once

#include <cstdint>

#include "runtime/kernels/int8_params.h"
#include "runtime/quant_math.h"

namespace qforge::runtime {

struct MeanParams {
  QuantizedMultiplier multiplier;  // s_in / (H * W * s_out)
  int32_t offset = 0;              // zp_out - round_half_away(zp_in * s_in / s_out)
  int32_t act_min = -128, act_max = 127;
};

MeanParams MakeMeanParams(int spatial_size, double input_scale, int32_t input_zero_point,
                          double output_scale, int32_t output_zero_point);

namespace ref {

// g.out_c == g.in_c; padding taps are not part of any window (and not counted).
void MaxPool(const ConvGeometry& g, int32_t act_min, int32_t act_max, const int8_t* input,
             int8_t* output);
// avg = acc > 0 ? (acc + count/2) / count : (acc - count/2) / count (C division), clamped.
void AvgPool(const ConvGeometry& g, int32_t act_min, int32_t act_max, const int8_t* input,
             int8_t* output);
// [batch, h, w, c] -> [batch, c].
void Mean(int batch, int h, int w, int c, const MeanParams& p, const int8_t* input, int8_t* output);

}  // namespace ref
}  // namespace qforge::runtime
