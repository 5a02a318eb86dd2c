// Reference integer convolution, depthwise convolution and fully connected kernels.
#include "runtime/kernels/ref/conv_ref.h"

#include <algorithm>

#include "runtime/kernels/ref/conv_loops.h"
#include "runtime/quant_math.h"
#include "runtime/wrapping_math.h"

namespace qforge::runtime::ref {
namespace {

// The epilogue of every integer kernel: bias, then the output stage, store.
template <typename Acc, typename Out, typename Bias>
auto Store(const Requantization& q, const Bias* bias, Out* output) {
  return [&q, bias, output](int64_t index, int channel, Acc acc) {
    if (bias) acc = WrappingAdd(acc, static_cast<Acc>(bias[channel]));
    const QuantizedMultiplier m{q.multiplier[channel], q.shift[channel]};
    output[index] = static_cast<Out>(RequantizeClamp(acc, m, q.output_zero_point, q.act_min, q.act_max));
  };
}

}  // namespace

void Conv2D(const ConvGeometry& g, const Requantization& q, const int8_t* input,
            const int8_t* filter, const int32_t* bias, int8_t* output) {
  ConvLoop<int32_t>(g, input, q.input_zero_point, filter, Store<int32_t>(q, bias, output));
}

void DepthwiseConv2D(const ConvGeometry& g, const Requantization& q, const int8_t* input,
                     const int8_t* filter, const int32_t* bias, int8_t* output) {
  DepthwiseLoop<int32_t>(g, input, q.input_zero_point, filter, Store<int32_t>(q, bias, output));
}

void FullyConnected(int batch, int in, int out, const Requantization& q, const int8_t* input,
                    const int8_t* filter, const int32_t* bias, int8_t* output) {
  FullyConnectedLoop<int32_t>(batch, in, out, input, q.input_zero_point, filter,
                              Store<int32_t>(q, bias, output));
}

void Conv2D(const ConvGeometry& g, const Requantization& q, const int16_t* input,
            const int8_t* filter, const int64_t* bias, int16_t* output) {
  ConvLoop<int64_t>(g, input, 0, filter, Store<int64_t>(q, bias, output));
}

void DepthwiseConv2D(const ConvGeometry& g, const Requantization& q, const int16_t* input,
                     const int8_t* filter, const int64_t* bias, int16_t* output) {
  DepthwiseLoop<int64_t>(g, input, 0, filter, Store<int64_t>(q, bias, output));
}

void FullyConnected(int batch, int in, int out, const Requantization& q, const int16_t* input,
                    const int8_t* filter, const int64_t* bias, int16_t* output) {
  FullyConnectedLoop<int64_t>(batch, in, out, input, 0, filter, Store<int64_t>(q, bias, output));
}

}  // namespace qforge::runtime::ref
