// ONNX exporters of the element-wise operators: ADD and MUL (with their fused activation), the
// unary activations (HardSwish, HardSigmoid as relu6(x + 3) / 6, Sigmoid, SiLU as x * Sigmoid(x),
// Clip), SOFTMAX, and QUANTIZE / DEQUANTIZE as QuantizeLinear / DequantizeLinear.
#include <cfloat>

#include "interop/onnx/export_context.h"

namespace qforge::onnx_export {
namespace {

Status ExportBinary(ExportContext& ctx, const QfmOp& op) {
  const bool add = op.type == qfm::OpType::ADD;
  const int activation = static_cast<int>(add ? op.flat->options_as_AddOptions()->activation()
                                              : op.flat->options_as_MulOptions()->activation());
  const int out = op.outputs[0];
  if (add && ctx.IntegerLayer(op.inputs[0], op.inputs[1], out) && ctx.GridClamps(activation, out) &&
      ctx.tensor(op.inputs[0]).shape == ctx.tensor(op.inputs[1]).shape) {
    // QLinearAdd (ONNX Runtime's com.microsoft domain).
    const auto [a_scale, a_zero] = ctx.ActivationParams(op.inputs[0]);
    const auto [b_scale, b_zero] = ctx.ActivationParams(op.inputs[1]);
    const auto [c_scale, c_zero] = ctx.ActivationParams(out);
    ctx.Node("QLinearAdd", {ctx.Raw(op.inputs[0]), a_scale, a_zero, ctx.Raw(op.inputs[1]), b_scale, b_zero, c_scale, c_zero},
             {ctx.Raw(out)})
        ->set_domain("com.microsoft");
    return Status::Ok();
  }
  const std::string linear =
      activation == 0 ? ctx.FloatResult(out) : ctx.Fresh(ctx.tensor(out).name + "/linear");
  // [N, C, H, W] x [N, C, 1, 1] broadcasts in NCHW as [N, H, W, C] x [N, 1, 1, C] does in NHWC.
  ctx.Node(add ? "Add" : "Mul", {ctx.Float(op.inputs[0]), ctx.Float(op.inputs[1])}, {linear});
  ctx.Activation(activation, linear, ctx.FloatResult(out));
  ctx.Produced(out);
  return Status::Ok();
}

template <const char* kOnnxOp>
Status ExportUnary(ExportContext& ctx, const QfmOp& op) {
  ctx.Node(kOnnxOp, {ctx.Float(op.inputs[0])}, {ctx.FloatResult(op.outputs[0])});
  ctx.Produced(op.outputs[0]);
  return Status::Ok();
}
constexpr char kHardSwish[] = "HardSwish";
constexpr char kSigmoid[] = "Sigmoid";

Status ExportHardSigmoid(ExportContext& ctx, const QfmOp& op) {
  onnx::NodeProto* n = ctx.Node("HardSigmoid", {ctx.Float(op.inputs[0])}, {ctx.FloatResult(op.outputs[0])});
  SetFloat(n, "alpha", 1.0f / 6.0f);
  SetFloat(n, "beta", 0.5f);
  ctx.Produced(op.outputs[0]);
  return Status::Ok();
}

Status ExportSilu(ExportContext& ctx, const QfmOp& op) {
  const int out = op.outputs[0];
  const std::string x = ctx.Float(op.inputs[0]), gate = ctx.Fresh(ctx.tensor(out).name + "/sigmoid");
  ctx.Node("Sigmoid", {x}, {gate});
  ctx.Node("Mul", {x, gate}, {ctx.FloatResult(out)});
  ctx.Produced(out);
  return Status::Ok();
}

Status ExportClip(ExportContext& ctx, const QfmOp& op) {
  const qfm::ClipOptions* o = op.flat->options_as_ClipOptions();
  const int out = op.outputs[0];
  const std::string name = ctx.tensor(out).name;
  if (o->min() == 0.0f && o->max() >= FLT_MAX) {
    ctx.Node("Relu", {ctx.Float(op.inputs[0])}, {ctx.FloatResult(out)});
  } else {
    ctx.Node("Clip", {ctx.Float(op.inputs[0]), ctx.Floats(name + "/min", {o->min()}, true),
                      ctx.Floats(name + "/max", {o->max()}, true)},
             {ctx.FloatResult(out)});
  }
  ctx.Produced(out);
  return Status::Ok();
}

Status ExportSoftmax(ExportContext& ctx, const QfmOp& op) {
  const float beta = op.flat->options_as_SoftmaxOptions()->beta();
  const int out = op.outputs[0];
  std::string x = ctx.Float(op.inputs[0]);
  if (beta != 1.0f) {
    const std::string scaled = ctx.Fresh(ctx.tensor(out).name + "/scaled");
    ctx.Node("Mul", {x, ctx.Floats(ctx.tensor(out).name + "/beta", {beta}, true)}, {scaled});
    x = scaled;
  }
  // Over the channels: the last .qfm axis, ONNX axis 1 of an image.
  SetInt(ctx.Node("Softmax", {x}, {ctx.FloatResult(out)}), "axis", ctx.OnnxAxis(out, -1));
  ctx.Produced(out);
  return Status::Ok();
}

// QUANTIZE: the output is its input's real value on the output's grid (a float input, or an
// integer one on another grid).
Status ExportQuantize(ExportContext& ctx, const QfmOp& op) {
  ctx.SetFloatResult(op.outputs[0], ctx.Float(op.inputs[0]));
  ctx.Produced(op.outputs[0]);
  return Status::Ok();
}

Status ExportDequantize(ExportContext& ctx, const QfmOp& op) {
  ctx.DequantizeInto(op.inputs[0], ctx.FloatResult(op.outputs[0]));
  return Status::Ok();
}

}  // namespace

std::vector<ExporterRow> ElementwiseExporters() {
  return {{qfm::OpType::ADD, ExportBinary},
          {qfm::OpType::MUL, ExportBinary},
          {qfm::OpType::HARD_SWISH, ExportUnary<kHardSwish>},
          {qfm::OpType::SIGMOID, ExportUnary<kSigmoid>},
          {qfm::OpType::HARD_SIGMOID, ExportHardSigmoid},
          {qfm::OpType::SILU, ExportSilu},
          {qfm::OpType::CLIP, ExportClip},
          {qfm::OpType::SOFTMAX, ExportSoftmax},
          {qfm::OpType::QUANTIZE, ExportQuantize},
          {qfm::OpType::DEQUANTIZE, ExportDequantize}};
}

}  // namespace qforge::onnx_export
