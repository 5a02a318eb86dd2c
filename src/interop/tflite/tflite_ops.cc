// What the TFLite exporters share (see tflite_ops.h).
#include "interop/tflite/tflite_ops.h"

#include <algorithm>
#include <cfloat>

namespace qforge::tflite_export {

tfl::ActivationFunctionType TfliteActivation(qfm::Activation activation) {
  switch (activation) {
    case qfm::Activation::RELU: return tfl::ActivationFunctionType::RELU;
    case qfm::Activation::RELU6: return tfl::ActivationFunctionType::RELU6;
    default: return tfl::ActivationFunctionType::NONE;
  }
}

namespace {

// TFLite's SAME padding along one dimension: {before, after}.
std::array<int, 2> SamePadding(int in, int out, int kernel, int stride, int dilation) {
  const int effective = (kernel - 1) * dilation + 1;
  const int total = std::max((out - 1) * stride + effective - in, 0);
  return {total / 2, total - total / 2};
}

// Every value of .qfm tensor `index` is >= 0: a grid whose lowest level is 0, or a float computed
// with a ReLU (fused, or a clip from 0) or max-pooled from such values.
bool NonNegative(const TfliteBuilder& b, int index) {
  const QfmTensor& t = b.tensor(index);
  if (t.quantized()) return t.dtype == qfm::DType::INT8 && t.zero_point[0] == -128;
  for (const QfmOp& op : b.view().ops()) {
    if (op.outputs[0] != index) continue;
    qfm::Activation act = qfm::Activation::NONE;
    if (const auto* o = op.flat->options_as_Conv2DOptions()) act = o->activation();
    if (const auto* o = op.flat->options_as_FullyConnectedOptions()) act = o->activation();
    if (const auto* o = op.flat->options_as_AddOptions()) act = o->activation();
    if (const auto* o = op.flat->options_as_MulOptions()) act = o->activation();
    if (const auto* o = op.flat->options_as_ClipOptions(); o && o->min() >= 0) return true;
    if (op.type == qfm::OpType::MAX_POOL_2D && NonNegative(b, op.inputs[0])) return true;
    return act == qfm::Activation::RELU || act == qfm::Activation::RELU6;
  }
  return false;
}

}  // namespace

WindowPadding PadFor(TfliteBuilder& b, int input, int output, std::array<int, 4> pads, int kernel_h, int kernel_w,
                     int stride_h, int stride_w, int dilation_h, int dilation_w, bool fill_lowest) {
  const QfmTensor &x = b.tensor(input), &y = b.tensor(output);
  const auto sh = SamePadding(x.shape[1], y.shape[1], kernel_h, stride_h, dilation_h);
  const auto sw = SamePadding(x.shape[2], y.shape[2], kernel_w, stride_w, dilation_w);
  const bool same_size = y.shape[1] == (x.shape[1] + stride_h - 1) / stride_h &&
                         y.shape[2] == (x.shape[2] + stride_w - 1) / stride_w;
  if (same_size && pads == std::array<int, 4>{sh[0], sw[0], sh[1], sw[1]}) return {tfl::Padding::SAME, b.Tensor(input)};
  if (pads == std::array<int, 4>{0, 0, 0, 0}) return {tfl::Padding::VALID, b.Tensor(input)};
  // PAD (zeros, or the zero point) or PADV2 with the lowest value, then a VALID window.
  const std::vector<int32_t> paddings = {0, 0, pads[0], pads[2], pads[1], pads[3], 0, 0};
  const int amounts = b.NewTensor(x.name + "/paddings", tfl::TensorType::INT32, {4, 2}, nullptr, paddings.data(),
                                  paddings.size() * sizeof(int32_t));
  std::vector<int> shape = x.shape;
  shape[1] += pads[0] + pads[2];
  shape[2] += pads[1] + pads[3];
  const TensorQuant q{x.scale, x.zero_point, x.axis};
  const int padded = b.NewTensor(x.name + "/padded", TfliteType(x.dtype), shape, &q);
  // Padding with 0 (or the zero point) is padding with the lowest value when nothing is below 0.
  if (!fill_lowest || NonNegative(b, input)) {
    b.Op(tfl::BuiltinOperator::PAD, {b.Tensor(input), amounts}, {padded}, tfl::BuiltinOptions::PadOptions,
         tfl::CreatePadOptions(b.fbb()).Union());
    return {tfl::Padding::VALID, padded};
  }
  int lowest;
  if (x.dtype == qfm::DType::FLOAT32) {
    lowest = b.Floats(x.name + "/lowest", {-FLT_MAX});
  } else {
    const int8_t v = -128;
    const int16_t w = -32768;
    lowest = x.dtype == qfm::DType::INT8 ? b.NewTensor(x.name + "/lowest", tfl::TensorType::INT8, {1}, &q, &v, 1)
                                         : b.NewTensor(x.name + "/lowest", tfl::TensorType::INT16, {1}, &q, &w, 2);
  }
  b.Op(tfl::BuiltinOperator::PADV2, {b.Tensor(input), amounts, lowest}, {padded}, tfl::BuiltinOptions::PadV2Options,
       tfl::CreatePadV2Options(b.fbb()).Union());
  return {tfl::Padding::VALID, padded};
}

int FloatWeights(TfliteBuilder& b, int weights) {
  const QfmTensor& w = b.tensor(weights);
  if (w.dtype == qfm::DType::FLOAT32) return b.Tensor(weights);
  const int real = b.NewTensor(w.name + "/dequantized", tfl::TensorType::FLOAT32, w.shape);
  b.Op(tfl::BuiltinOperator::DEQUANTIZE, {b.Tensor(weights)}, {real}, tfl::BuiltinOptions::DequantizeOptions,
       tfl::CreateDequantizeOptions(b.fbb()).Union());
  return real;
}

int OnGrid(TfliteBuilder& b, int out, float scale, int64_t zero_point) {
  const QfmTensor& y = b.tensor(out);
  if (!y.quantized() || (y.scale[0] == scale && y.zero_point[0] == zero_point)) return b.Tensor(out);
  const TensorQuant q{{scale}, {zero_point}, 0};
  return b.NewTensor(y.name + "/fixed_grid", TfliteType(y.dtype), y.shape, &q);
}

void FinishOnGrid(TfliteBuilder& b, int written, int out) {
  if (written != b.Tensor(out)) QuantizeInto(b, written, b.Tensor(out));
}

void QuantizeInto(TfliteBuilder& b, int from, int to) {
  b.Op(tfl::BuiltinOperator::QUANTIZE, {from}, {to}, tfl::BuiltinOptions::QuantizeOptions,
       tfl::CreateQuantizeOptions(b.fbb()).Union());
}

void MaxMin(TfliteBuilder& b, tfl::BuiltinOperator code, int value, int bound, int out) {
  b.Op(code, {value, bound}, {out}, tfl::BuiltinOptions::MaximumMinimumOptions,
       tfl::CreateMaximumMinimumOptions(b.fbb()).Union());
}

}  // namespace qforge::tflite_export
