// Reference integer convolution kernels (TFLite integer_ops semantics): the definition every
// optimized kernel must reproduce byte for byte. int8 activations with int32 accumulators, and
// the 16x8 variants (int16 symmetric activations, int8 weights, int64 bias and accumulators).
#pragma once

#include <cstdint>

#include "runtime/kernels/int8_params.h"

namespace qforge::runtime::ref {

// filter [out_c][kernel_h][kernel_w][in_c] (OHWI); bias [out_c] or null.
void Conv2D(const ConvGeometry& g, const Requantization& q, const int8_t* input,
            const int8_t* filter, const int32_t* bias, int8_t* output);

// out_c = in_c * depth_multiplier; filter [kernel_h][kernel_w][out_c]; output channel
// c reads input channel c / depth_multiplier.
void DepthwiseConv2D(const ConvGeometry& g, const Requantization& q, const int8_t* input,
                     const int8_t* filter, const int32_t* bias, int8_t* output);

// input [batch][in], filter [out][in], output [batch][out]; per-output-channel multipliers.
void FullyConnected(int batch, int in, int out, const Requantization& q, const int8_t* input,
                    const int8_t* filter, const int32_t* bias, int8_t* output);

// 16x8: the same layouts; q.input_zero_point and q.output_zero_point are 0, the clamp bounds
// are int16, and requantization is MultiplyByQuantizedMultiplier64.
void Conv2D(const ConvGeometry& g, const Requantization& q, const int16_t* input,
            const int8_t* filter, const int64_t* bias, int16_t* output);
void DepthwiseConv2D(const ConvGeometry& g, const Requantization& q, const int16_t* input,
                     const int8_t* filter, const int64_t* bias, int16_t* output);
void FullyConnected(int batch, int in, int out, const Requantization& q, const int16_t* input,
                    const int8_t* filter, const int64_t* bias, int16_t* output);

}  // namespace qforge::runtime::ref
