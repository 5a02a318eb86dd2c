// ONNX exporters of the windowed and dense layers: CONV_2D and DEPTHWISE_CONV_2D as Conv (OIHW
// weights, a depthwise one with one group per input channel), FULLY_CONNECTED as Gemm,
// pooling as MaxPool / AveragePool (padding excluded from the average, as in the runtime) and
// MEAN as GlobalAveragePool + Flatten.
#include "interop/onnx/export_context.h"

namespace qforge::onnx_export {
namespace {

// Where a layer's real-valued result goes before its fused activation.
std::string PreActivation(ExportContext& ctx, int activation, int output) {
  return activation == 0 ? ctx.FloatResult(output) : ctx.Fresh(ctx.tensor(output).name + "/linear");
}

void SetWindow(onnx::NodeProto* n, int stride_h, int stride_w, int top, int left, int bottom, int right) {
  SetInts(n, "strides", {stride_h, stride_w});
  SetInts(n, "pads", {top, left, bottom, right});
}

// Conv's and QLinearConv's attributes: kernel, strides, pads, dilations, and one group per input
// channel for a depthwise convolution.
void SetConvAttributes(const ExportContext& ctx, const QfmOp& op, onnx::NodeProto* n) {
  const qfm::Conv2DOptions* o = op.flat->options_as_Conv2DOptions();
  const QfmTensor& weights = ctx.tensor(op.inputs[1]);
  SetInts(n, "kernel_shape", {weights.shape[1], weights.shape[2]});
  SetWindow(n, o->stride_h(), o->stride_w(), o->pad_top(), o->pad_left(), o->pad_bottom(), o->pad_right());
  SetInts(n, "dilations", {o->dilation_h(), o->dilation_w()});
  if (op.type == qfm::OpType::DEPTHWISE_CONV_2D) SetInt(n, "group", ctx.tensor(op.inputs[0]).shape[3]);
}

Status ExportConv(ExportContext& ctx, const QfmOp& op) {
  const int in = op.inputs[0], w = op.inputs[1], out = op.outputs[0];
  const int activation = static_cast<int>(op.flat->options_as_Conv2DOptions()->activation());
  const bool bias = op.inputs.size() > 2 && op.inputs[2] >= 0;
  // OHWI -> OIHW; depthwise [1, H, W, C x multiplier] -> [C x multiplier, 1, H, W].
  const std::vector<int> perm = op.type == qfm::OpType::DEPTHWISE_CONV_2D ? std::vector<int>{3, 0, 1, 2} : kToNchw;
  if (ctx.IntegerLayer(in, w, out) && ctx.GridClamps(activation, out)) {
    // QLinearConv: stored integers in and out; the fused activation is the output grid's own clamp.
    const auto [x_scale, x_zero] = ctx.ActivationParams(in);
    const auto [y_scale, y_zero] = ctx.ActivationParams(out);
    const ExportContext::Stored weights = ctx.StoredConstant(w, perm);
    std::vector<std::string> inputs = {ctx.Raw(in),  x_scale, x_zero,  weights.value,
                                       weights.scale, weights.zero, y_scale, y_zero};
    if (bias) inputs.push_back(ctx.StoredConstant(op.inputs[2], {}).value);
    SetConvAttributes(ctx, op, ctx.Node("QLinearConv", inputs, {ctx.Raw(out)}));
    return Status::Ok();
  }
  std::vector<std::string> inputs = {ctx.Float(in), ctx.Weight(w, perm)};
  if (bias) inputs.push_back(ctx.Bias(op.inputs[2], in, w));
  const std::string linear = PreActivation(ctx, activation, out);
  SetConvAttributes(ctx, op, ctx.Node("Conv", inputs, {linear}));
  ctx.Activation(activation, linear, ctx.FloatResult(out));
  ctx.Produced(out);
  return Status::Ok();
}

Status ExportDense(ExportContext& ctx, const QfmOp& op) {
  const qfm::FullyConnectedOptions* o = op.flat->options_as_FullyConnectedOptions();
  const int in = op.inputs[0], w = op.inputs[1], out = op.outputs[0];
  const int activation = static_cast<int>(o->activation());
  // An input flattened in CHW order (see MarkChwFlatten) takes the weight columns in that order.
  std::vector<int> columns;
  if (const std::vector<int>* hwc = ctx.ChwFlatten(in)) {
    const int h = (*hwc)[0], wd = (*hwc)[1], c = (*hwc)[2];
    for (int ch = 0; ch < c; ++ch)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < wd; ++x) columns.push_back((y * wd + x) * c + ch);
  }
  const bool bias = op.inputs.size() > 2 && op.inputs[2] >= 0;
  if (ctx.IntegerLayer(in, w, out) && ctx.GridClamps(activation, out) && !bias) {
    // QLinearMatMul (it has no bias input): [N, I] x [I, O], weights transposed.
    const auto [a_scale, a_zero] = ctx.ActivationParams(in);
    const auto [y_scale, y_zero] = ctx.ActivationParams(out);
    const ExportContext::Stored b = ctx.StoredConstant(w, {1, 0}, columns);
    ctx.Node("QLinearMatMul", {ctx.Raw(in), a_scale, a_zero, b.value, b.scale, b.zero, y_scale, y_zero}, {ctx.Raw(out)});
    return Status::Ok();
  }
  std::vector<std::string> inputs = {ctx.Float(in), ctx.Weight(w, {}, columns)};
  if (bias) inputs.push_back(ctx.Bias(op.inputs[2], in, w));
  const std::string linear = PreActivation(ctx, activation, out);
  SetInt(ctx.Node("Gemm", inputs, {linear}), "transB", 1);
  ctx.Activation(activation, linear, ctx.FloatResult(out));
  ctx.Produced(out);
  return Status::Ok();
}

Status ExportPool(ExportContext& ctx, const QfmOp& op) {
  const qfm::Pool2DOptions* o = op.flat->options_as_Pool2DOptions();
  const int in = op.inputs[0], out = op.outputs[0];
  const int activation = static_cast<int>(o->activation());
  const bool max = op.type == qfm::OpType::MAX_POOL_2D;
  const QfmTensor &x = ctx.tensor(in), &y = ctx.tensor(out);
  // Max pooling moves stored values: an int8 tensor is pooled as int8 when nothing is fused.
  const bool stored = max && activation == 0 && x.scale == y.scale && x.zero_point == y.zero_point && x.bits == y.bits;
  const std::string source = stored ? ctx.Raw(in) : ctx.Float(in);
  const std::string linear = stored ? ctx.Raw(out) : PreActivation(ctx, activation, out);
  onnx::NodeProto* n = ctx.Node(max ? "MaxPool" : "AveragePool", {source}, {linear});
  SetInts(n, "kernel_shape", {o->filter_h(), o->filter_w()});
  SetWindow(n, o->stride_h(), o->stride_w(), o->pad_top(), o->pad_left(), o->pad_bottom(), o->pad_right());
  if (stored) return Status::Ok();
  ctx.Activation(activation, linear, ctx.FloatResult(out));
  ctx.Produced(out);
  return Status::Ok();
}

// [N, C, H, W] -> [N, C]: the average in real numbers, quantized, then flattened (so ONNX Runtime
// finds its quantized global average pooling between the DequantizeLinear and QuantizeLinear).
Status ExportMean(ExportContext& ctx, const QfmOp& op) {
  const int in = op.inputs[0], out = op.outputs[0];
  const std::string pooled = ctx.Fresh(ctx.tensor(out).name + "/pooled");
  ctx.Node("GlobalAveragePool", {ctx.Float(in)}, {pooled});
  const bool quantized = ctx.tensor(out).dtype != qfm::DType::FLOAT32;
  const std::string stored = quantized ? ctx.QuantizeLike(pooled, out) : pooled;
  SetInt(ctx.Node("Flatten", {stored}, {ctx.Raw(out)}), "axis", 1);
  return Status::Ok();
}

}  // namespace

std::vector<ExporterRow> LayerExporters() {
  return {{qfm::OpType::CONV_2D, ExportConv},         {qfm::OpType::DEPTHWISE_CONV_2D, ExportConv},
          {qfm::OpType::FULLY_CONNECTED, ExportDense}, {qfm::OpType::MAX_POOL_2D, ExportPool},
          {qfm::OpType::AVERAGE_POOL_2D, ExportPool},  {qfm::OpType::MEAN, ExportMean}};
}

}  // namespace qforge::onnx_export
