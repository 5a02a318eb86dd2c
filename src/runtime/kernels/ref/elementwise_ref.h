// Reference int8 element-wise kernels: Add (TFLite's integer Add: both inputs rescaled to a
// common scale with 20 bits of headroom, summed, requantized), Quantize and Dequantize.
#pragma once

#include <cstdint>

#include "runtime/quant_math.h"

namespace qforge::runtime {

struct AddParams {
  int32_t input1_zero_point = 0, input2_zero_point = 0, output_zero_point = 0;
  int left_shift = 20;
  QuantizedMultiplier input1_multiplier, input2_multiplier, output_multiplier;
  int32_t act_min = -128, act_max = 127;
};

// Prepare-time: multipliers from the three scales (see NUMERICS.md "Add").
AddParams MakeAddParams(double scale1, int32_t zero_point1, double scale2, int32_t zero_point2,
                        double output_scale, int32_t output_zero_point, int32_t act_min = -128,
                        int32_t act_max = 127);

namespace ref {

void Add(const AddParams& p, int64_t size, const int8_t* input1, const int8_t* input2,
         int8_t* output);

// q = clamp(zero_point + round_half_away(x / scale), -128, 127); NaN maps to the zero point.
void Quantize(float scale, int32_t zero_point, int64_t size, const float* input, int8_t* output);
// x = (q - zero_point) * scale.
void Dequantize(float scale, int32_t zero_point, int64_t size, const int8_t* input, float* output);

}  // namespace ref
}  // namespace qforge::runtime
