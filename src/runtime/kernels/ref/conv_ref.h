// Reference int8 convolution kernels (TFLite integer_ops semantics): the definition every
// optimized kernel must reproduce byte for byte. Padding taps are skipped, which is the same
// as reading the input zero point.
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

}  // namespace qforge::runtime::ref
