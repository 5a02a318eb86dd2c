// Reference Mul kernels (see mul_ref.h).
#include "runtime/kernels/ref/mul_ref.h"

#include <algorithm>

namespace qforge::runtime {

MulParams MakeMulParams(double scale1, int32_t zero_point1, double scale2, int32_t zero_point2, double output_scale,
                        int32_t output_zero_point, int32_t act_min, int32_t act_max) {
  MulParams p;
  p.input1_zero_point = zero_point1;
  p.input2_zero_point = zero_point2;
  p.output_zero_point = output_zero_point;
  p.multiplier = QuantizeMultiplier(scale1 * scale2 / output_scale);
  p.act_min = act_min;
  p.act_max = act_max;
  return p;
}

namespace ref {
namespace {

// Calls f(i, j): element i of the first input and output, element j of the second.
template <typename F>
void ForEachPair(const MulShape& s, F f) {
  for (int64_t n = 0; n < s.samples; ++n)
    for (int64_t p = 0; p < s.pixels; ++p)
      for (int64_t c = 0; c < s.channels; ++c) {
        const int64_t i = (n * s.pixels + p) * s.channels + c;
        f(i, s.broadcast ? n * s.channels + c : i);
      }
}

}  // namespace

void Mul(const MulShape& s, FloatActivation act, const float* input1, const float* input2, float* output) {
  ForEachPair(s, [&](int64_t i, int64_t j) { output[i] = std::clamp(input1[i] * input2[j], act.min, act.max); });
}

template <typename T>
void Mul(const MulShape& s, const MulParams& p, const T* input1, const T* input2, T* output) {
  ForEachPair(s, [&](int64_t i, int64_t j) {
    const int32_t product = (input1[i] - p.input1_zero_point) * (input2[j] - p.input2_zero_point);
    output[i] = static_cast<T>(RequantizeClamp(product, p.multiplier, p.output_zero_point, p.act_min, p.act_max));
  });
}

template void Mul(const MulShape&, const MulParams&, const int8_t*, const int8_t*, int8_t*);
template void Mul(const MulShape&, const MulParams&, const int16_t*, const int16_t*, int16_t*);

}  // namespace ref
}  // namespace qforge::runtime
