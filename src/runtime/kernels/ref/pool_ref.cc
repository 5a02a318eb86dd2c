// Reference int8 pooling kernels.
#include "runtime/kernels/ref/pool_ref.h"

#include <algorithm>
#include <cmath>

namespace qforge::runtime {

MeanParams MakeMeanParams(int spatial_size, double input_scale, int32_t input_zero_point,
                          double output_scale, int32_t output_zero_point) {
  MeanParams p;
  p.multiplier = QuantizeMultiplier(input_scale / (spatial_size * output_scale));
  p.offset = output_zero_point -
             static_cast<int32_t>(RoundHalfAwayFromZero(input_zero_point * input_scale / output_scale));
  return p;
}

namespace ref {
namespace {

// Calls visit(out_index, channel, first_y, end_y, first_x, end_x, batch) per output element.
template <typename Visit>
void ForEachWindow(const ConvGeometry& g, Visit&& visit) {
  for (int b = 0; b < g.batch; ++b)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox) {
        const int y0 = oy * g.stride_h - g.pad_top, x0 = ox * g.stride_w - g.pad_left;
        const int ys = std::max(y0, 0), ye = std::min(y0 + g.kernel_h, g.in_h);
        const int xs = std::max(x0, 0), xe = std::min(x0 + g.kernel_w, g.in_w);
        for (int c = 0; c < g.out_c; ++c)
          visit(((b * g.out_h + oy) * g.out_w + ox) * g.out_c + c, c, ys, ye, xs, xe, b);
      }
}

}  // namespace

void MaxPool(const ConvGeometry& g, int32_t act_min, int32_t act_max, const int8_t* input,
             int8_t* output) {
  ForEachWindow(g, [&](int o, int c, int ys, int ye, int xs, int xe, int b) {
    int32_t m = -128;
    for (int y = ys; y < ye; ++y)
      for (int x = xs; x < xe; ++x) m = std::max<int32_t>(m, input[((b * g.in_h + y) * g.in_w + x) * g.in_c + c]);
    output[o] = static_cast<int8_t>(std::clamp(m, act_min, act_max));
  });
}

void AvgPool(const ConvGeometry& g, int32_t act_min, int32_t act_max, const int8_t* input,
             int8_t* output) {
  ForEachWindow(g, [&](int o, int c, int ys, int ye, int xs, int xe, int b) {
    int32_t acc = 0;
    for (int y = ys; y < ye; ++y)
      for (int x = xs; x < xe; ++x) acc += input[((b * g.in_h + y) * g.in_w + x) * g.in_c + c];
    const int32_t count = (ye - ys) * (xe - xs);
    const int32_t avg = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
    output[o] = static_cast<int8_t>(std::clamp(avg, act_min, act_max));
  });
}

void Mean(int batch, int h, int w, int c, const MeanParams& p, const int8_t* input, int8_t* output) {
  for (int b = 0; b < batch; ++b)
    for (int ch = 0; ch < c; ++ch) {
      int32_t acc = 0;
      for (int i = 0; i < h * w; ++i) acc += input[(b * h * w + i) * c + ch];
      const int32_t v = MultiplyByQuantizedMultiplier(acc, p.multiplier) + p.offset;
      output[b * c + ch] = static_cast<int8_t>(std::clamp(v, p.act_min, p.act_max));
    }
}

}  // namespace ref
}  // namespace qforge::runtime
