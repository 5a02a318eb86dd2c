// The loop nests of convolution, depthwise convolution and fully connected layers, shared by
// every reference kernel (int8, int16x8, hybrid and float): each computes the accumulator
// sum(w * (x - input_zero_point)) over the in-image taps of an output element and hands it
// to an epilogue (requantize, scale to float, add bias...). Padding taps are skipped, which is
// the same as reading the input zero point. Integer sums wrap (runtime/wrapping_math.h). Also the
// pooling window walk.
#pragma once

#include <algorithm>
#include <cstdint>

#include "runtime/kernels/int8_params.h"
#include "runtime/wrapping_math.h"

namespace qforge::runtime::ref {

// Calls tap(input_index, filter_tap_index) for every in-image tap of output pixel (b, oy, ox);
// filter_tap_index = ky * kernel_w + kx; input_index points at channel 0 of that pixel.
template <typename Tap>
void ForEachConvTap(const ConvGeometry& g, int b, int oy, int ox, Tap&& tap) {
  for (int ky = 0; ky < g.kernel_h; ++ky) {
    const int iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
    if (iy < 0 || iy >= g.in_h) continue;
    for (int kx = 0; kx < g.kernel_w; ++kx) {
      const int ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
      if (ix < 0 || ix >= g.in_w) continue;
      tap((static_cast<int64_t>(b * g.in_h + iy) * g.in_w + ix) * g.in_c, ky * g.kernel_w + kx);
    }
  }
}

inline int64_t OutputIndex(const ConvGeometry& g, int b, int oy, int ox, int oc) {
  return (static_cast<int64_t>(b * g.out_h + oy) * g.out_w + ox) * g.out_c + oc;
}

// Pooling windows: calls visit(output_index, channel, y_begin, y_end, x_begin, x_end, batch)
// per output element, the window clipped to the image.
template <typename Visit>
void ForEachPoolWindow(const ConvGeometry& g, Visit&& visit) {
  for (int b = 0; b < g.batch; ++b)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox) {
        const int y0 = oy * g.stride_h - g.pad_top, x0 = ox * g.stride_w - g.pad_left;
        const int ys = std::max(y0, 0), ye = std::min(y0 + g.kernel_h, g.in_h);
        const int xs = std::max(x0, 0), xe = std::min(x0 + g.kernel_w, g.in_w);
        for (int c = 0; c < g.out_c; ++c) visit(OutputIndex(g, b, oy, ox, c), c, ys, ye, xs, xe, b);
      }
}

// filter [out_c][kernel_h][kernel_w][in_c] (OHWI). emit(output_index, out_channel, acc).
template <typename Acc, typename In, typename W, typename Emit>
void ConvLoop(const ConvGeometry& g, const In* input, Acc input_zero_point, const W* filter,
              Emit&& emit) {
  const int taps = g.kernel_h * g.kernel_w;
  for (int b = 0; b < g.batch; ++b)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox)
        for (int oc = 0; oc < g.out_c; ++oc) {
          Acc acc = 0;
          ForEachConvTap(g, b, oy, ox, [&](int64_t in_index, int tap) {
            const W* w = filter + (static_cast<int64_t>(oc) * taps + tap) * g.in_c;
            const In* x = input + in_index;
            for (int ic = 0; ic < g.in_c; ++ic)
              acc = WrappingAdd(acc, static_cast<Acc>(w[ic]) * (static_cast<Acc>(x[ic]) - input_zero_point));
          });
          emit(OutputIndex(g, b, oy, ox, oc), oc, acc);
        }
}

// out_c = in_c * depth_multiplier; filter [kernel_h][kernel_w][out_c]; output channel c reads
// input channel c / depth_multiplier.
template <typename Acc, typename In, typename W, typename Emit>
void DepthwiseLoop(const ConvGeometry& g, const In* input, Acc input_zero_point, const W* filter,
                   Emit&& emit) {
  const int multiplier = g.out_c / g.in_c;
  for (int b = 0; b < g.batch; ++b)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox)
        for (int oc = 0; oc < g.out_c; ++oc) {
          Acc acc = 0;
          const int ic = oc / multiplier;
          ForEachConvTap(g, b, oy, ox, [&](int64_t in_index, int tap) {
            acc = WrappingAdd(acc, static_cast<Acc>(filter[tap * g.out_c + oc]) *
                                       (static_cast<Acc>(input[in_index + ic]) - input_zero_point));
          });
          emit(OutputIndex(g, b, oy, ox, oc), oc, acc);
        }
}

// input [batch][in], filter [out][in]; emit(output_index, out_channel, acc).
template <typename Acc, typename In, typename W, typename Emit>
void FullyConnectedLoop(int batch, int in, int out, const In* input, Acc input_zero_point,
                        const W* filter, Emit&& emit) {
  for (int b = 0; b < batch; ++b)
    for (int o = 0; o < out; ++o) {
      Acc acc = 0;
      const W* w = filter + static_cast<int64_t>(o) * in;
      const In* x = input + static_cast<int64_t>(b) * in;
      for (int i = 0; i < in; ++i)
        acc = WrappingAdd(acc, static_cast<Acc>(w[i]) * (static_cast<Acc>(x[i]) - input_zero_point));
      emit(static_cast<int64_t>(b) * out + o, o, acc);
    }
}

}  // namespace qforge::runtime::ref
