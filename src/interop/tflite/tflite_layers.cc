// TFLite exporters of the windowed and dense layers: CONV_2D, DEPTHWISE_CONV_2D and
// FULLY_CONNECTED with the .qfm's weights as they are (float16 and the int8 weights of
// dynamic-range models behind DEQUANTIZE), pooling, and MEAN over height and width.
#include "interop/tflite/tflite_ops.h"

namespace qforge::tflite_export {
namespace {

// The bias, an integer one with its implied quantization written out: scale input scale x
// weight scale (per output channel), zero point 0 — as TFLite's converter writes it.
int OptionalBias(TfliteBuilder& b, const QfmOp& op) {
  if (op.inputs.size() < 3 || op.inputs[2] < 0) return -1;
  const QfmTensor &bias = b.tensor(op.inputs[2]), &in = b.tensor(op.inputs[0]), &w = b.tensor(op.inputs[1]);
  if (bias.dtype == qfm::DType::FLOAT32 || bias.quantized()) return b.Tensor(op.inputs[2]);
  TensorQuant q;
  for (float s : w.scale) q.scale.push_back(in.scale.at(0) * s);
  q.zero_point.assign(q.scale.size(), 0);
  return b.NewTensor(bias.name, TfliteType(bias.dtype), bias.shape, &q, bias.data, bias.bytes);
}

// Float activations with integer or float16 weights read dequantized weights.
int LayerWeights(TfliteBuilder& b, const QfmOp& op) {
  const bool float_activations = b.tensor(op.inputs[0]).dtype == qfm::DType::FLOAT32;
  return float_activations ? FloatWeights(b, op.inputs[1]) : b.Tensor(op.inputs[1]);
}

Status ExportConv(TfliteBuilder& b, const QfmOp& op) {
  const qfm::Conv2DOptions* o = op.flat->options_as_Conv2DOptions();
  const QfmTensor& w = b.tensor(op.inputs[1]);
  const WindowPadding pad = PadFor(b, op.inputs[0], op.outputs[0],
                                   {o->pad_top(), o->pad_left(), o->pad_bottom(), o->pad_right()}, w.shape[1],
                                   w.shape[2], o->stride_h(), o->stride_w(), o->dilation_h(), o->dilation_w(), false);
  const std::vector<int> inputs = {pad.input, LayerWeights(b, op), OptionalBias(b, op)};
  const auto act = TfliteActivation(o->activation());
  if (op.type == qfm::OpType::DEPTHWISE_CONV_2D) {
    b.Op(tfl::BuiltinOperator::DEPTHWISE_CONV_2D, inputs, {b.Tensor(op.outputs[0])},
         tfl::BuiltinOptions::DepthwiseConv2DOptions,
         tfl::CreateDepthwiseConv2DOptions(b.fbb(), pad.padding, o->stride_w(), o->stride_h(), o->depth_multiplier(),
                                           act, o->dilation_w(), o->dilation_h())
             .Union());
  } else {
    b.Op(tfl::BuiltinOperator::CONV_2D, inputs, {b.Tensor(op.outputs[0])}, tfl::BuiltinOptions::Conv2DOptions,
         tfl::CreateConv2DOptions(b.fbb(), pad.padding, o->stride_w(), o->stride_h(), act, o->dilation_w(),
                                  o->dilation_h())
             .Union());
  }
  return Status::Ok();
}

Status ExportDense(TfliteBuilder& b, const QfmOp& op) {
  const auto act = TfliteActivation(op.flat->options_as_FullyConnectedOptions()->activation());
  b.Op(tfl::BuiltinOperator::FULLY_CONNECTED, {b.Tensor(op.inputs[0]), LayerWeights(b, op), OptionalBias(b, op)},
       {b.Tensor(op.outputs[0])}, tfl::BuiltinOptions::FullyConnectedOptions,
       tfl::CreateFullyConnectedOptions(b.fbb(), act).Union());
  return Status::Ok();
}

Status ExportPool(TfliteBuilder& b, const QfmOp& op) {
  const qfm::Pool2DOptions* o = op.flat->options_as_Pool2DOptions();
  const bool max = op.type == qfm::OpType::MAX_POOL_2D;
  const std::array<int, 4> pads = {o->pad_top(), o->pad_left(), o->pad_bottom(), o->pad_right()};
  const WindowPadding pad = PadFor(b, op.inputs[0], op.outputs[0], pads, o->filter_h(), o->filter_w(), o->stride_h(),
                                   o->stride_w(), 1, 1, true);
  // Averages leave padding out of the count, as TFLite's SAME does; explicit padding would
  // count the padded zeros.
  if (!max && pad.input != b.Tensor(op.inputs[0]))
    return Unimplemented("average pooling with padding {},{},{},{} is neither TFLite's SAME nor VALID", pads[0],
                         pads[1], pads[2], pads[3]);
  b.Op(max ? tfl::BuiltinOperator::MAX_POOL_2D : tfl::BuiltinOperator::AVERAGE_POOL_2D, {pad.input},
       {b.Tensor(op.outputs[0])}, tfl::BuiltinOptions::Pool2DOptions,
       tfl::CreatePool2DOptions(b.fbb(), pad.padding, o->stride_w(), o->stride_h(), o->filter_w(), o->filter_h(),
                                TfliteActivation(o->activation()))
           .Union());
  return Status::Ok();
}

Status ExportMean(TfliteBuilder& b, const QfmOp& op) {
  const int axes = b.Int32s(b.tensor(op.outputs[0]).name + "/axes", {1, 2});
  b.Op(tfl::BuiltinOperator::MEAN, {b.Tensor(op.inputs[0]), axes}, {b.Tensor(op.outputs[0])},
       tfl::BuiltinOptions::ReducerOptions, tfl::CreateReducerOptions(b.fbb(), false).Union());
  return Status::Ok();
}

}  // namespace

std::vector<ExporterRow> LayerExporters() {
  return {{qfm::OpType::CONV_2D, ExportConv},         {qfm::OpType::DEPTHWISE_CONV_2D, ExportConv},
          {qfm::OpType::FULLY_CONNECTED, ExportDense}, {qfm::OpType::MAX_POOL_2D, ExportPool},
          {qfm::OpType::AVERAGE_POOL_2D, ExportPool},  {qfm::OpType::MEAN, ExportMean}};
}

}  // namespace qforge::tflite_export
