// Reference float kernels.
#include "runtime/kernels/ref/float_ref.h"

#include <algorithm>
#include <cmath>

#include "runtime/kernels/ref/conv_loops.h"

namespace qforge::runtime::ref {
namespace {

auto Store(FloatActivation act, const float* bias, float* output) {
  return [act, bias, output](int64_t index, int channel, float acc) {
    if (bias) acc += bias[channel];
    output[index] = std::clamp(acc, act.min, act.max);
  };
}


}  // namespace

void Conv2D(const ConvGeometry& g, FloatActivation act, const float* input, const float* filter,
            const float* bias, float* output) {
  ConvLoop<float>(g, input, 0.0f, filter, Store(act, bias, output));
}

void DepthwiseConv2D(const ConvGeometry& g, FloatActivation act, const float* input,
                     const float* filter, const float* bias, float* output) {
  DepthwiseLoop<float>(g, input, 0.0f, filter, Store(act, bias, output));
}

void FullyConnected(int batch, int in, int out, FloatActivation act, const float* input,
                    const float* filter, const float* bias, float* output) {
  FullyConnectedLoop<float>(batch, in, out, input, 0.0f, filter, Store(act, bias, output));
}

void Add(FloatActivation act, int64_t size, const float* input1, const float* input2, float* output) {
  for (int64_t i = 0; i < size; ++i) output[i] = std::clamp(input1[i] + input2[i], act.min, act.max);
}

void MaxPool(const ConvGeometry& g, FloatActivation act, const float* input, float* output) {
  ForEachPoolWindow(g, [&](int64_t o, int c, int ys, int ye, int xs, int xe, int b) {
    float m = -__builtin_inff();
    for (int y = ys; y < ye; ++y)
      for (int x = xs; x < xe; ++x)
        m = std::max(m, input[(static_cast<int64_t>(b * g.in_h + y) * g.in_w + x) * g.in_c + c]);
    output[o] = std::clamp(m, act.min, act.max);
  });
}

void AvgPool(const ConvGeometry& g, FloatActivation act, const float* input, float* output) {
  ForEachPoolWindow(g, [&](int64_t o, int c, int ys, int ye, int xs, int xe, int b) {
    float sum = 0.0f;
    for (int y = ys; y < ye; ++y)
      for (int x = xs; x < xe; ++x)
        sum += input[(static_cast<int64_t>(b * g.in_h + y) * g.in_w + x) * g.in_c + c];
    output[o] = std::clamp(sum / static_cast<float>((ye - ys) * (xe - xs)), act.min, act.max);
  });
}

void Mean(int batch, int h, int w, int c, const float* input, float* output) {
  for (int b = 0; b < batch; ++b)
    for (int ch = 0; ch < c; ++ch) {
      float sum = 0.0f;
      for (int i = 0; i < h * w; ++i) sum += input[(static_cast<int64_t>(b) * h * w + i) * c + ch];
      output[b * c + ch] = sum / static_cast<float>(h * w);
    }
}

void Softmax(float beta, int rows, int depth, const float* input, float* output) {
  for (int r = 0; r < rows; ++r) {
    const float* x = input + static_cast<int64_t>(r) * depth;
    float* y = output + static_cast<int64_t>(r) * depth;
    const float max = *std::max_element(x, x + depth);
    double sum = 0.0;
    for (int i = 0; i < depth; ++i) sum += y[i] = std::exp((x[i] - max) * beta);
    for (int i = 0; i < depth; ++i) y[i] = static_cast<float>(y[i] / sum);
  }
}

}  // namespace qforge::runtime::ref
