// Reference int8 convolution, depthwise convolution and fully connected kernels.
#include "runtime/kernels/ref/conv_ref.h"

#include <algorithm>

#include "runtime/quant_math.h"

namespace qforge::runtime::ref {
namespace {

int8_t Requantize(int32_t acc, const Requantization& q, int channel) {
  int32_t v = MultiplyByQuantizedMultiplier(acc, q.multiplier[channel], q.shift[channel]);
  v += q.output_zero_point;
  return static_cast<int8_t>(std::clamp(v, q.act_min, q.act_max));
}

// Calls tap(input_index, filter_tap_index) for every in-image tap of output pixel (b, oy, ox);
// filter_tap_index = ky * kernel_w + kx.
template <typename Tap>
void ForEachTap(const ConvGeometry& g, int b, int oy, int ox, Tap&& tap) {
  for (int ky = 0; ky < g.kernel_h; ++ky) {
    const int iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
    if (iy < 0 || iy >= g.in_h) continue;
    for (int kx = 0; kx < g.kernel_w; ++kx) {
      const int ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
      if (ix < 0 || ix >= g.in_w) continue;
      tap(((b * g.in_h + iy) * g.in_w + ix) * g.in_c, ky * g.kernel_w + kx);
    }
  }
}

}  // namespace

void Conv2D(const ConvGeometry& g, const Requantization& q, const int8_t* input,
            const int8_t* filter, const int32_t* bias, int8_t* output) {
  const int taps = g.kernel_h * g.kernel_w;
  for (int b = 0; b < g.batch; ++b)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox)
        for (int oc = 0; oc < g.out_c; ++oc) {
          int32_t acc = bias ? bias[oc] : 0;
          ForEachTap(g, b, oy, ox, [&](int in_index, int tap) {
            const int8_t* w = filter + (oc * taps + tap) * g.in_c;
            for (int ic = 0; ic < g.in_c; ++ic)
              acc += static_cast<int32_t>(w[ic]) * (input[in_index + ic] - q.input_zero_point);
          });
          output[((b * g.out_h + oy) * g.out_w + ox) * g.out_c + oc] = Requantize(acc, q, oc);
        }
}

void DepthwiseConv2D(const ConvGeometry& g, const Requantization& q, const int8_t* input,
                     const int8_t* filter, const int32_t* bias, int8_t* output) {
  const int multiplier = g.out_c / g.in_c;
  for (int b = 0; b < g.batch; ++b)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox)
        for (int oc = 0; oc < g.out_c; ++oc) {
          int32_t acc = bias ? bias[oc] : 0;
          const int ic = oc / multiplier;
          ForEachTap(g, b, oy, ox, [&](int in_index, int tap) {
            acc += static_cast<int32_t>(filter[tap * g.out_c + oc]) *
                   (input[in_index + ic] - q.input_zero_point);
          });
          output[((b * g.out_h + oy) * g.out_w + ox) * g.out_c + oc] = Requantize(acc, q, oc);
        }
}

void FullyConnected(int batch, int in, int out, const Requantization& q, const int8_t* input,
                    const int8_t* filter, const int32_t* bias, int8_t* output) {
  for (int b = 0; b < batch; ++b)
    for (int o = 0; o < out; ++o) {
      int32_t acc = bias ? bias[o] : 0;
      for (int i = 0; i < in; ++i)
        acc += static_cast<int32_t>(filter[o * in + i]) * (input[b * in + i] - q.input_zero_point);
      output[b * out + o] = Requantize(acc, q, o);
    }
}

}  // namespace qforge::runtime::ref
