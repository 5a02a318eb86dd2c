// Reference integer element-wise kernels.
#include "runtime/kernels/ref/elementwise_ref.h"

#include <algorithm>
#include <cmath>

namespace qforge::runtime {

AddParams MakeAddParams(double scale1, int32_t zero_point1, double scale2, int32_t zero_point2,
                        double output_scale, int32_t output_zero_point, int32_t act_min,
                        int32_t act_max, int left_shift) {
  AddParams p;
  p.input1_zero_point = zero_point1;
  p.input2_zero_point = zero_point2;
  p.output_zero_point = output_zero_point;
  p.left_shift = left_shift;
  const double twice_max = 2.0 * std::max(scale1, scale2);
  p.input1_multiplier = QuantizeMultiplier(scale1 / twice_max);
  p.input2_multiplier = QuantizeMultiplier(scale2 / twice_max);
  p.output_multiplier = QuantizeMultiplier(twice_max / (std::ldexp(1.0, p.left_shift) * output_scale));
  p.act_min = act_min;
  p.act_max = act_max;
  return p;
}

namespace ref {

template <typename T>
void Add(const AddParams& p, int64_t size, const T* input1, const T* input2, T* output) {
  for (int64_t i = 0; i < size; ++i) {
    const int32_t a = MultiplyByQuantizedMultiplier(
        (input1[i] - p.input1_zero_point) * (1 << p.left_shift), p.input1_multiplier);
    const int32_t b = MultiplyByQuantizedMultiplier(
        (input2[i] - p.input2_zero_point) * (1 << p.left_shift), p.input2_multiplier);
    output[i] = static_cast<T>(RequantizeClamp(a + b, p.output_multiplier, p.output_zero_point, p.act_min, p.act_max));
  }
}

template <typename In, typename Out>
void Requantize(const RequantizeParams& p, int64_t size, const In* input, Out* output) {
  for (int64_t i = 0; i < size; ++i)
    output[i] = static_cast<Out>(RequantizeClamp(static_cast<int32_t>(input[i]) - p.input_zero_point, p.multiplier,
                                               p.output_zero_point, p.min, p.max));
}

template <typename T>
void Quantize(float scale, int32_t zero_point, int64_t size, const float* input, T* output) {
  for (int64_t i = 0; i < size; ++i) output[i] = QuantizeTo<T>(input[i], scale, zero_point);
}

template <typename T>
void Dequantize(float scale, int32_t zero_point, int64_t size, const T* input, float* output) {
  for (int64_t i = 0; i < size; ++i) output[i] = static_cast<float>(input[i] - zero_point) * scale;
}

template void Add(const AddParams&, int64_t, const int8_t*, const int8_t*, int8_t*);
template void Add(const AddParams&, int64_t, const int16_t*, const int16_t*, int16_t*);
template void Requantize(const RequantizeParams&, int64_t, const int8_t*, int8_t*);
template void Requantize(const RequantizeParams&, int64_t, const int8_t*, int16_t*);
template void Requantize(const RequantizeParams&, int64_t, const int16_t*, int8_t*);
template void Requantize(const RequantizeParams&, int64_t, const int16_t*, int16_t*);
template void Quantize(float, int32_t, int64_t, const float*, int8_t*);
template void Quantize(float, int32_t, int64_t, const float*, int16_t*);
template void Dequantize(float, int32_t, int64_t, const int8_t*, float*);
template void Dequantize(float, int32_t, int64_t, const int16_t*, float*);

}  // namespace ref
}  // namespace qforge::runtime
