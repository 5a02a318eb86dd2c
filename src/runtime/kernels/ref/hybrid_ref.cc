// Reference dynamic-range kernels.
#include "runtime/kernels/ref/hybrid_ref.h"

#include <algorithm>

#include "runtime/kernels/ref/conv_loops.h"
#include "runtime/quant_grid.h"
#include "runtime/quant_math.h"

namespace qforge::runtime::ref {
namespace {

auto Store(float input_scale, FloatActivation act, const HybridWeights& w, float* output) {
  return [input_scale, act, &w, output](int64_t index, int channel, int32_t acc) {
    output[index] = HybridOutput(static_cast<float>(acc), input_scale, w.filter_scale[channel], w.bias, channel, act);
  };
}

// Runs `loop(one_sample_geometry, quantized_input, zero_point, output)` per sample.
template <typename Loop>
void PerSample(ConvGeometry g, const float* input, int8_t* scratch, float* output, Loop&& loop) {
  const int64_t in_size = static_cast<int64_t>(g.in_h) * g.in_w * g.in_c;
  const int64_t out_size = static_cast<int64_t>(g.out_h) * g.out_w * g.out_c;
  const int batch = g.batch;
  g.batch = 1;
  for (int b = 0; b < batch; ++b) {
    const SampleQuantization sq = ChooseSampleQuantization(input + b * in_size, in_size, scratch);
    loop(g, sq, output + b * out_size);
  }
}

}  // namespace

SampleQuantization ChooseSampleQuantization(const float* x, int64_t size, int8_t* quantized) {
  float lo = 0.0f, hi = 0.0f;
  for (int64_t i = 0; i < size; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  const SampleQuantization sq = SampleQuantizationOf(lo, hi);
  for (int64_t i = 0; i < size; ++i) quantized[i] = QuantizeToInt8(x[i], sq.scale, sq.zero_point);
  return sq;
}

SampleQuantization SampleQuantizationOf(float lo, float hi) {
  SampleQuantization sq;
  if (hi > lo) {  // an all-zero sample keeps scale 1, zero point 0
    const GridParams g = AsymmetricGrid(lo, hi, -128, 127);
    sq.scale = g.scale;
    sq.zero_point = g.zero_point;
  }
  return sq;
}

void Conv2D(const ConvGeometry& g, FloatActivation act, const float* input, const HybridWeights& w,
            int8_t* scratch, float* output) {
  PerSample(g, input, scratch, output, [&](const ConvGeometry& one, SampleQuantization sq, float* out) {
    ConvLoop<int32_t>(one, scratch, sq.zero_point, w.filter, Store(sq.scale, act, w, out));
  });
}

void DepthwiseConv2D(const ConvGeometry& g, FloatActivation act, const float* input,
                     const HybridWeights& w, int8_t* scratch, float* output) {
  PerSample(g, input, scratch, output, [&](const ConvGeometry& one, SampleQuantization sq, float* out) {
    DepthwiseLoop<int32_t>(one, scratch, sq.zero_point, w.filter, Store(sq.scale, act, w, out));
  });
}

void FullyConnected(int batch, int in, int out, FloatActivation act, const float* input,
                    const HybridWeights& w, int8_t* scratch, float* output) {
  ConvGeometry g;
  g.batch = batch;
  g.in_c = in;
  g.out_c = out;
  PerSample(g, input, scratch, output, [&](const ConvGeometry&, SampleQuantization sq, float* o) {
    FullyConnectedLoop<int32_t>(1, in, out, scratch, sq.zero_point, w.filter, Store(sq.scale, act, w, o));
  });
}

}  // namespace qforge::runtime::ref
