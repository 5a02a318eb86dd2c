// Reference int8 element-wise kernels.
#include "runtime/kernels/ref/elementwise_ref.h"

#include <algorithm>
#include <cmath>

namespace qforge::runtime {

AddParams MakeAddParams(double scale1, int32_t zero_point1, double scale2, int32_t zero_point2,
                        double output_scale, int32_t output_zero_point, int32_t act_min,
                        int32_t act_max) {
  AddParams p;
  p.input1_zero_point = zero_point1;
  p.input2_zero_point = zero_point2;
  p.output_zero_point = output_zero_point;
  const double twice_max = 2.0 * std::max(scale1, scale2);
  p.input1_multiplier = QuantizeMultiplier(scale1 / twice_max);
  p.input2_multiplier = QuantizeMultiplier(scale2 / twice_max);
  p.output_multiplier = QuantizeMultiplier(twice_max / (std::ldexp(1.0, p.left_shift) * output_scale));
  p.act_min = act_min;
  p.act_max = act_max;
  return p;
}

namespace ref {

void Add(const AddParams& p, int64_t size, const int8_t* input1, const int8_t* input2,
         int8_t* output) {
  for (int64_t i = 0; i < size; ++i) {
    const int32_t a = MultiplyByQuantizedMultiplier(
        (input1[i] - p.input1_zero_point) * (1 << p.left_shift), p.input1_multiplier);
    const int32_t b = MultiplyByQuantizedMultiplier(
        (input2[i] - p.input2_zero_point) * (1 << p.left_shift), p.input2_multiplier);
    const int32_t sum = MultiplyByQuantizedMultiplier(a + b, p.output_multiplier) + p.output_zero_point;
    output[i] = static_cast<int8_t>(std::clamp(sum, p.act_min, p.act_max));
  }
}

void Quantize(float scale, int32_t zero_point, int64_t size, const float* input, int8_t* output) {
  for (int64_t i = 0; i < size; ++i) output[i] = QuantizeToInt8(input[i], scale, zero_point);
}

void Dequantize(float scale, int32_t zero_point, int64_t size, const int8_t* input, float* output) {
  for (int64_t i = 0; i < size; ++i) output[i] = static_cast<float>(input[i] - zero_point) * scale;
}

}  // namespace ref
}  // namespace qforge::runtime
