// Reference element-wise multiplication, float and integer (TFLite's integer Mul): the product
// of the zero-point-shifted inputs, requantized once to the output with the multiplier
// s1 * s2 / s_out, then the fused activation's clamp. The second input is either of the
// first's shape or a gate of one value per (sample, channel) — [N, 1, 1, C] against
// [N, H, W, C] — broadcast over the pixels.
#pragma once

#include <cstdint>

#include "runtime/kernels/ref/float_ref.h"
#include "runtime/quant_math.h"

namespace qforge::runtime {

// The layout both inputs are read in: `samples` x `pixels` x `channels` elements of the first;
// the second has as many (`broadcast` false) or samples x channels (true).
struct MulShape {
  int64_t samples = 1, pixels = 1, channels = 1;
  bool broadcast = false;
};

struct MulParams {
  int32_t input1_zero_point = 0, input2_zero_point = 0, output_zero_point = 0;
  QuantizedMultiplier multiplier;
  int32_t act_min = -128, act_max = 127;
};

MulParams MakeMulParams(double scale1, int32_t zero_point1, double scale2, int32_t zero_point2, double output_scale,
                        int32_t output_zero_point, int32_t act_min, int32_t act_max);

namespace ref {

void Mul(const MulShape& s, FloatActivation act, const float* input1, const float* input2, float* output);
// T is int8_t or int16_t (16x8 mode: zero points 0, so the product fits int32).
template <typename T>
void Mul(const MulShape& s, const MulParams& p, const T* input1, const T* input2, T* output);

}  // namespace ref
}  // namespace qforge::runtime
