// Reference dynamic-range ("hybrid") kernels: float activations, int8 weights. Each input
// sample is quantized on the fly to asymmetric int8 from its own min/max (widened to include
// zero, so padding is exact), accumulated in int32 against the int8 weights, and scaled back
// to float with input_scale * filter_scale[c] before the float bias and activation — TFLite's
// dynamic-range quantization, with per-sample rather than per-tensor input parameters so a
// sample's result does not depend on the rest of its batch.
#pragma once

#include <cstdint>

#include "runtime/kernels/int8_params.h"
#include "runtime/kernels/ref/float_ref.h"

namespace qforge::runtime::ref {

struct HybridWeights {
  const int8_t* filter = nullptr;       // layouts as the int8 kernels
  const float* filter_scale = nullptr;  // per output channel
  const float* bias = nullptr;          // float, or null
};

// The scale and zero point of a sample's asymmetric int8 grid (runtime/quant_grid.h) over
// [min(x, 0), max(x, 0)].
struct SampleQuantization {
  float scale = 1.0f;
  int32_t zero_point = 0;
};
SampleQuantization ChooseSampleQuantization(const float* x, int64_t size, int8_t* quantized);
// The grid of a sample whose values span [lo, hi] (lo <= 0 <= hi): scale 1, zero point 0 for an
// all-zero sample.
SampleQuantization SampleQuantizationOf(float lo, float hi);
// The output of one accumulator: acc * (input_scale * filter_scale) + bias, clamped.
inline float HybridOutput(float acc, float input_scale, float filter_scale, const float* bias, int channel,
                          FloatActivation act) {
  float v = acc * (input_scale * filter_scale);
  if (bias) v += bias[channel];
  return v < act.min ? act.min : (act.max < v ? act.max : v);
}

// `scratch` holds one input sample as int8 (in_h * in_w * in_c bytes, or `in` for dense).
void Conv2D(const ConvGeometry& g, FloatActivation act, const float* input, const HybridWeights& w,
            int8_t* scratch, float* output);
void DepthwiseConv2D(const ConvGeometry& g, FloatActivation act, const float* input,
                     const HybridWeights& w, int8_t* scratch, float* output);
void FullyConnected(int batch, int in, int out, FloatActivation act, const float* input,
                    const HybridWeights& w, int8_t* scratch, float* output);

}  // namespace qforge::runtime::ref
