// Reference integer pooling kernels on NHWC (TFLite integer semantics), for int8 and int16
// activations. Max and average pooling keep the input's scale and zero point; Mean (global
// average over H and W) requantizes.
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
template <typename T>
void MaxPool(const ConvGeometry& g, int32_t act_min, int32_t act_max, const T* input, T* output);
// avg = acc > 0 ? (acc + count/2) / count : (acc - count/2) / count (C division), clamped.
template <typename T>
void AvgPool(const ConvGeometry& g, int32_t act_min, int32_t act_max, const T* input, T* output);
// [batch, h, w, c] -> [batch, c]. The int32 sum needs h * w <= 65536 for int16 inputs.
template <typename T>
void Mean(int batch, int h, int w, int c, const MeanParams& p, const T* input, T* output);

}  // namespace ref
}  // namespace qforge::runtime
