// Reference float kernels on NHWC, for the runtime's float, float16 (weights widened at prepare
// time) and dynamic-range modes: the same layouts and loop nests as the integer kernels, with a
// fused activation as a clamp to [act_min, act_max].
#pragma once

#include <cstdint>

#include "runtime/kernels/int8_params.h"

namespace qforge::runtime::ref {

struct FloatActivation {
  float min = -__builtin_inff(), max = __builtin_inff();
};

// Filter layouts as the int8 kernels (OHWI; depthwise [kh][kw][out_c]; dense [out][in]).
void Conv2D(const ConvGeometry& g, FloatActivation act, const float* input, const float* filter,
            const float* bias, float* output);
void DepthwiseConv2D(const ConvGeometry& g, FloatActivation act, const float* input,
                     const float* filter, const float* bias, float* output);
void FullyConnected(int batch, int in, int out, FloatActivation act, const float* input,
                    const float* filter, const float* bias, float* output);

void Add(FloatActivation act, int64_t size, const float* input1, const float* input2, float* output);
// Padding taps are not part of a window; the average divides by the in-image taps.
void MaxPool(const ConvGeometry& g, FloatActivation act, const float* input, float* output);
void AvgPool(const ConvGeometry& g, FloatActivation act, const float* input, float* output);
// [batch, h, w, c] -> [batch, c].
void Mean(int batch, int h, int w, int c, const float* input, float* output);
// Softmax over the last dimension of [rows, depth] (max-subtracted, summed in double).
void Softmax(float beta, int rows, int depth, const float* input, float* output);

}  // namespace qforge::runtime::ref
