// Reference integer element-wise kernels: Add (TFLite's integer Add: both inputs rescaled to a
// common scale with headroom bits, summed, requantized), Requantize (one grid to another),
// Quantize and Dequantize. Each for int8 and for the 16x8 mode's int16 activations.
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

// Prepare-time: multipliers from the three scales (see NUMERICS.md "Add"). left_shift is 20
// for int8 and 15 for int16 inputs (TFLite's choices: the shifted inputs fit in int32).
AddParams MakeAddParams(double scale1, int32_t zero_point1, double scale2, int32_t zero_point2,
                        double output_scale, int32_t output_zero_point, int32_t act_min = -128,
                        int32_t act_max = 127, int left_shift = 20);

// Requantization from one grid to another: q' = clamp(zero_point' + (q - zero_point) * scale /
// scale'), the factor applied as a QuantizedMultiplier (TFLite's QUANTIZE of an integer tensor:
// int8 or int16 in, int8 or int16 out).
struct RequantizeParams {
  int32_t input_zero_point = 0, output_zero_point = 0;
  QuantizedMultiplier multiplier;
  int32_t min = -128, max = 127;
};

namespace ref {

template <typename In, typename Out>
void Requantize(const RequantizeParams& p, int64_t size, const In* input, Out* output);

// T is int8_t or int16_t.
template <typename T>
void Add(const AddParams& p, int64_t size, const T* input1, const T* input2, T* output);

// q = clamp(zero_point + round_half_away(x / scale)) into T's range; NaN maps to the zero point.
template <typename T>
void Quantize(float scale, int32_t zero_point, int64_t size, const float* input, T* output);
// x = (q - zero_point) * scale.
template <typename T>
void Dequantize(float scale, int32_t zero_point, int64_t size, const T* input, float* output);

}  // namespace ref
}  // namespace qforge::runtime
