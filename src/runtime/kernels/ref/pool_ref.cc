// Reference integer pooling kernels.
#include "runtime/kernels/ref/pool_ref.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "runtime/kernels/ref/conv_loops.h"

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

template <typename T>
void MaxPool(const ConvGeometry& g, int32_t act_min, int32_t act_max, const T* input, T* output) {
  ForEachPoolWindow(g, [&](int64_t o, int c, int ys, int ye, int xs, int xe, int b) {
    int32_t m = std::numeric_limits<T>::min();
    for (int y = ys; y < ye; ++y)
      for (int x = xs; x < xe; ++x) m = std::max<int32_t>(m, input[((b * g.in_h + y) * g.in_w + x) * g.in_c + c]);
    output[o] = static_cast<T>(std::clamp(m, act_min, act_max));
  });
}

template <typename T>
void AvgPool(const ConvGeometry& g, int32_t act_min, int32_t act_max, const T* input, T* output) {
  ForEachPoolWindow(g, [&](int64_t o, int c, int ys, int ye, int xs, int xe, int b) {
    int32_t acc = 0;
    for (int y = ys; y < ye; ++y)
      for (int x = xs; x < xe; ++x) acc += input[((b * g.in_h + y) * g.in_w + x) * g.in_c + c];
    const int32_t count = (ye - ys) * (xe - xs);
    const int32_t avg = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
    output[o] = static_cast<T>(std::clamp(avg, act_min, act_max));
  });
}

template <typename T>
void Mean(int batch, int h, int w, int c, const MeanParams& p, const T* input, T* output) {
  for (int b = 0; b < batch; ++b)
    for (int ch = 0; ch < c; ++ch) {
      int32_t acc = 0;
      for (int i = 0; i < h * w; ++i) acc += input[(b * h * w + i) * c + ch];
      output[b * c + ch] = static_cast<T>(RequantizeClamp(acc, p.multiplier, p.offset, p.act_min, p.act_max));
    }
}

template void MaxPool(const ConvGeometry&, int32_t, int32_t, const int8_t*, int8_t*);
template void MaxPool(const ConvGeometry&, int32_t, int32_t, const int16_t*, int16_t*);
template void AvgPool(const ConvGeometry&, int32_t, int32_t, const int8_t*, int8_t*);
template void AvgPool(const ConvGeometry&, int32_t, int32_t, const int16_t*, int16_t*);
template void Mean(int, int, int, int, const MeanParams&, const int8_t*, int8_t*);
template void Mean(int, int, int, int, const MeanParams&, const int16_t*, int16_t*);

}  // namespace ref
}  // namespace qforge::runtime
