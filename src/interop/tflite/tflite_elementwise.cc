// TFLite exporters of the element-wise operators: ADD, MUL, HARD_SWISH, QUANTIZE and DEQUANTIZE
// as themselves; SIGMOID as LOGISTIC and SOFTMAX (each with the output grid TFLite fixes, then
// requantized when the .qfm's differs); SILU as x * LOGISTIC(x); HARD_SIGMOID as
// relu6(x + 3) * (1/6) (an ADD with fused RELU6 onto six times the output's scale, then a MUL by
// an exact int8 1/6, which lands each value on the output grid unchanged); CLIP as RELU, RELU6
// or MAXIMUM/MINIMUM with constants.
#include <algorithm>
#include <cfloat>
#include <cmath>

#include "interop/tflite/tflite_ops.h"

namespace qforge::tflite_export {
namespace {

Status ExportBinary(TfliteBuilder& b, const QfmOp& op) {
  const std::vector<int> in = {b.Tensor(op.inputs[0]), b.Tensor(op.inputs[1])}, out = {b.Tensor(op.outputs[0])};
  if (op.type == qfm::OpType::ADD) {
    // pot_scale_int16 false: int16 additions take TFLite's general path, as the runtime computes them.
    b.Op(tfl::BuiltinOperator::ADD, in, out, tfl::BuiltinOptions::AddOptions,
         tfl::CreateAddOptions(b.fbb(), TfliteActivation(op.flat->options_as_AddOptions()->activation()), false).Union());
  } else {
    b.Op(tfl::BuiltinOperator::MUL, in, out, tfl::BuiltinOptions::MulOptions,
         tfl::CreateMulOptions(b.fbb(), TfliteActivation(op.flat->options_as_MulOptions()->activation())).Union());
  }
  return Status::Ok();
}

Status ExportHardSwish(TfliteBuilder& b, const QfmOp& op) {
  if (b.tensor(op.outputs[0]).dtype == qfm::DType::INT16) return Unimplemented("TFLite's HARD_SWISH has no int16 kernel");
  b.Op(tfl::BuiltinOperator::HARD_SWISH, {b.Tensor(op.inputs[0])}, {b.Tensor(op.outputs[0])},
       tfl::BuiltinOptions::HardSwishOptions, tfl::CreateHardSwishOptions(b.fbb()).Union());
  return Status::Ok();
}

// LOGISTIC of .qfm tensor `input` into a new tensor on TFLite's fixed output grid (1/256 and
// -128 for int8, 1/32768 and 0 for int16), or into `out` itself.
int Logistic(TfliteBuilder& b, int input, int out, bool into_out) {
  const QfmTensor& y = b.tensor(out);
  const bool int16 = y.dtype == qfm::DType::INT16;
  const float scale = int16 ? 1.0f / 32768 : 1.0f / 256;
  const int64_t zero = int16 ? 0 : -128;
  int written;
  if (into_out) {
    written = OnGrid(b, out, scale, zero);
  } else {
    const TensorQuant q{{scale}, {zero}, 0};
    written = b.NewTensor(y.name + "/sigmoid", TfliteType(y.dtype), y.shape, y.quantized() ? &q : nullptr);
  }
  b.Op(tfl::BuiltinOperator::LOGISTIC, {b.Tensor(input)}, {written});
  return written;
}

Status ExportSigmoid(TfliteBuilder& b, const QfmOp& op) {
  FinishOnGrid(b, Logistic(b, op.inputs[0], op.outputs[0], true), op.outputs[0]);
  return Status::Ok();
}

Status ExportSilu(TfliteBuilder& b, const QfmOp& op) {
  const int gate = Logistic(b, op.inputs[0], op.outputs[0], false);
  b.Op(tfl::BuiltinOperator::MUL, {b.Tensor(op.inputs[0]), gate}, {b.Tensor(op.outputs[0])},
       tfl::BuiltinOptions::MulOptions, tfl::CreateMulOptions(b.fbb()).Union());
  return Status::Ok();
}

Status ExportHardSigmoid(TfliteBuilder& b, const QfmOp& op) {
  const QfmTensor& y = b.tensor(op.outputs[0]);
  const bool quantized = y.quantized();
  if (quantized && y.dtype != qfm::DType::INT8) return Unimplemented("HARD_SIGMOID is exported for float and int8");
  const int three = quantized ? b.ExactInt8(y.name + "/three", 3.0f) : b.Floats(y.name + "/three", {3.0f});
  const int sixth = quantized ? b.ExactInt8(y.name + "/sixth", 1.0f / 6) : b.Floats(y.name + "/sixth", {1.0f / 6});
  TensorQuant six_times{{y.scale.empty() ? 0.0f : y.scale[0] * 6}, y.zero_point, 0};
  const int shifted = b.NewTensor(y.name + "/plus3", TfliteType(y.dtype), y.shape, quantized ? &six_times : nullptr);
  b.Op(tfl::BuiltinOperator::ADD, {b.Tensor(op.inputs[0]), three}, {shifted}, tfl::BuiltinOptions::AddOptions,
       tfl::CreateAddOptions(b.fbb(), tfl::ActivationFunctionType::RELU6).Union());
  b.Op(tfl::BuiltinOperator::MUL, {shifted, sixth}, {b.Tensor(op.outputs[0])}, tfl::BuiltinOptions::MulOptions,
       tfl::CreateMulOptions(b.fbb()).Union());
  return Status::Ok();
}

// A constant on the grid of .qfm tensor `like` holding `value` (clamped into the grid).
int ConstantLike(TfliteBuilder& b, int like, const std::string& name, float value) {
  const QfmTensor& t = b.tensor(like);
  if (!t.quantized()) return b.Floats(name, {value});
  const TensorQuant q{t.scale, t.zero_point, 0};
  const double level = std::nearbyint(value / t.scale[0]) + static_cast<double>(t.zero_point[0]);
  if (t.dtype == qfm::DType::INT8) {
    const auto v = static_cast<int8_t>(std::clamp(level, -128.0, 127.0));
    return b.NewTensor(name, tfl::TensorType::INT8, {1}, &q, &v, 1);
  }
  const auto v = static_cast<int16_t>(std::clamp(level, -32768.0, 32767.0));
  return b.NewTensor(name, tfl::TensorType::INT16, {1}, &q, &v, 2);
}

Status ExportClip(TfliteBuilder& b, const QfmOp& op) {
  const qfm::ClipOptions* o = op.flat->options_as_ClipOptions();
  const int in = op.inputs[0], out = op.outputs[0];
  const float lo = o->min(), hi = o->max();
  tfl::BuiltinOperator relu = tfl::BuiltinOperator::ADD;  // none
  if (lo == 0 && hi >= FLT_MAX) relu = tfl::BuiltinOperator::RELU;
  if (lo == 0 && hi == 6) relu = tfl::BuiltinOperator::RELU6;
  if (relu != tfl::BuiltinOperator::ADD) {
    b.Op(relu, {b.Tensor(in)}, {b.Tensor(out)});
    return Status::Ok();
  }
  // MAXIMUM and MINIMUM keep their input's grid; QUANTIZE moves the result to the output's.
  const QfmTensor &x = b.tensor(in), &y = b.tensor(out);
  std::vector<std::pair<tfl::BuiltinOperator, float>> steps;
  if (lo > -FLT_MAX) steps.emplace_back(tfl::BuiltinOperator::MAXIMUM, lo);
  if (hi < FLT_MAX) steps.emplace_back(tfl::BuiltinOperator::MINIMUM, hi);
  if (steps.empty()) return Unimplemented("a clip with no bounds");
  const bool same_grid = x.scale == y.scale && x.zero_point == y.zero_point;
  int value = b.Tensor(in);
  for (size_t k = 0; k < steps.size(); ++k) {
    const bool last = k + 1 == steps.size();
    const int target = last && same_grid ? b.Tensor(out) : b.TensorLike(in, y.name + (last ? "/clipped" : "/at_least"));
    const char* bound = steps[k].first == tfl::BuiltinOperator::MAXIMUM ? "/min" : "/max";
    MaxMin(b, steps[k].first, value, ConstantLike(b, in, y.name + bound, steps[k].second), target);
    value = target;
  }
  FinishOnGrid(b, value, out);
  return Status::Ok();
}

Status ExportSoftmax(TfliteBuilder& b, const QfmOp& op) {
  const int out = op.outputs[0];
  const bool int16 = b.tensor(out).dtype == qfm::DType::INT16;
  const int written = OnGrid(b, out, int16 ? 1.0f / 32768 : 1.0f / 256, int16 ? 0 : -128);
  b.Op(tfl::BuiltinOperator::SOFTMAX, {b.Tensor(op.inputs[0])}, {written}, tfl::BuiltinOptions::SoftmaxOptions,
       tfl::CreateSoftmaxOptions(b.fbb(), op.flat->options_as_SoftmaxOptions()->beta()).Union());
  FinishOnGrid(b, written, out);
  return Status::Ok();
}

Status ExportQuantize(TfliteBuilder& b, const QfmOp& op) {
  QuantizeInto(b, b.Tensor(op.inputs[0]), b.Tensor(op.outputs[0]));
  return Status::Ok();
}

Status ExportDequantize(TfliteBuilder& b, const QfmOp& op) {
  b.Op(tfl::BuiltinOperator::DEQUANTIZE, {b.Tensor(op.inputs[0])}, {b.Tensor(op.outputs[0])},
       tfl::BuiltinOptions::DequantizeOptions, tfl::CreateDequantizeOptions(b.fbb()).Union());
  return Status::Ok();
}

}  // namespace

std::vector<ExporterRow> ElementwiseExporters() {
  return {{qfm::OpType::ADD, ExportBinary},           {qfm::OpType::MUL, ExportBinary},
          {qfm::OpType::HARD_SWISH, ExportHardSwish}, {qfm::OpType::SIGMOID, ExportSigmoid},
          {qfm::OpType::SILU, ExportSilu},            {qfm::OpType::HARD_SIGMOID, ExportHardSigmoid},
          {qfm::OpType::CLIP, ExportClip},            {qfm::OpType::SOFTMAX, ExportSoftmax},
          {qfm::OpType::QUANTIZE, ExportQuantize},    {qfm::OpType::DEQUANTIZE, ExportDequantize}};
}

}  // namespace qforge::tflite_export
