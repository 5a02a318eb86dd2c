// Validation helpers of the operator preparers.
#include "runtime/ops/op_checks.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "runtime/quant_math.h"

namespace qforge::runtime {

std::string PrepareContext::Label() const {
  return "operator " + std::to_string(index) + " (" + qfm::EnumNameOpType(op->type()) + ")";
}

Status PrepareContext::Error(const std::string& message) const {
  return Status(StatusCode::kInvalidArgument, Label() + ": " + message);
}

namespace ops {
namespace {

std::string Name(const RuntimeTensor& t) { return "tensor '" + t.name + "'"; }

}  // namespace

Status CheckArity(const PrepareContext& c, size_t min_inputs, size_t max_inputs, size_t outputs) {
  if (c.inputs.size() < min_inputs || c.inputs.size() > max_inputs)
    return c.Error("has " + std::to_string(c.inputs.size()) + " inputs, expected " +
                   std::to_string(min_inputs) +
                   (max_inputs != min_inputs ? " to " + std::to_string(max_inputs) : ""));
  if (c.outputs.size() != outputs)
    return c.Error("has " + std::to_string(c.outputs.size()) + " outputs, expected " + std::to_string(outputs));
  return Status::Ok();
}

Status CheckPresent(const PrepareContext& c, std::initializer_list<size_t> required) {
  for (size_t i : required)
    if (i >= c.inputs.size() || !c.inputs[i]) return c.Error("input " + std::to_string(i) + " is missing");
  return Status::Ok();
}

Status CheckRank(const PrepareContext& c, const RuntimeTensor& t, size_t rank) {
  if (t.shape.size() != rank)
    return c.Error(Name(t) + " has shape " + ShapeString(t.shape) + ", expected rank " + std::to_string(rank));
  return Status::Ok();
}

Status CheckDType(const PrepareContext& c, const RuntimeTensor& t, std::initializer_list<qfm::DType> allowed) {
  if (std::find(allowed.begin(), allowed.end(), t.dtype) != allowed.end()) return Status::Ok();
  return c.Error(Name(t) + " has type " + qfm::EnumNameDType(t.dtype) + ", which this operator does not take there");
}

Status CheckPerTensor(const PrepareContext& c, const RuntimeTensor& t) {
  if (!t.per_tensor()) return c.Error(Name(t) + " needs one scale and zero point");
  return Status::Ok();
}

Status CheckWeightQuantization(const PrepareContext& c, const RuntimeTensor& t, int axis, int channels) {
  if (!t.quantized()) return c.Error(Name(t) + " is not quantized");
  if (!t.per_tensor() && (t.quantized_dimension != axis || static_cast<int>(t.scale.size()) != channels))
    return c.Error(Name(t) + " has per-channel parameters along the wrong dimension");
  for (int64_t zp : t.zero_point)
    if (zp != 0) return c.Error(Name(t) + " must be symmetric (zero point 0)");
  return Status::Ok();
}

Status CheckSameShape(const PrepareContext& c, const RuntimeTensor& a, const RuntimeTensor& b) {
  if (a.shape != b.shape)
    return c.Error(Name(a) + " has shape " + ShapeString(a.shape) + " but " + Name(b) + " has " + ShapeString(b.shape));
  return Status::Ok();
}

Status CheckSameQuantization(const PrepareContext& c, const RuntimeTensor& a, const RuntimeTensor& b) {
  if (a.dtype != b.dtype) return c.Error(Name(a) + " and " + Name(b) + " differ in type");
  if (a.scale != b.scale || a.zero_point != b.zero_point || a.bits != b.bits)
    return c.Error(Name(a) + " and " + Name(b) + " must share one scale and zero point");
  return Status::Ok();
}

Status CheckConstant(const PrepareContext& c, const RuntimeTensor& t, bool constant) {
  if (t.constant != constant)
    return c.Error(Name(t) + (constant ? " must be a constant (weights)" : " must not be a constant"));
  return Status::Ok();
}

StatusOr<ConvGeometry> MakeGeometry(const PrepareContext& c, const RuntimeTensor& input,
                                    const RuntimeTensor& output, const Window& w) {
  QF_RETURN_IF_ERROR(CheckRank(c, input, 4));
  QF_RETURN_IF_ERROR(CheckRank(c, output, 4));
  if (w.kernel_h < 1 || w.kernel_w < 1 || w.stride_h < 1 || w.stride_w < 1 || w.dilation_h < 1 ||
      w.dilation_w < 1 || w.pad_top < 0 || w.pad_left < 0 || w.pad_bottom < 0 || w.pad_right < 0 ||
      w.kernel_h > 4096 || w.kernel_w > 4096 || w.dilation_h > 4096 || w.dilation_w > 4096 ||
      w.pad_top > 4096 || w.pad_left > 4096 || w.pad_bottom > 4096 || w.pad_right > 4096)
    return c.Error("has an invalid kernel size, stride, dilation or padding");
  ConvGeometry g;
  g.batch = input.shape[0];
  g.in_h = input.shape[1];
  g.in_w = input.shape[2];
  g.in_c = input.shape[3];
  g.out_h = output.shape[1];
  g.out_w = output.shape[2];
  g.out_c = output.shape[3];
  g.kernel_h = w.kernel_h;
  g.kernel_w = w.kernel_w;
  g.stride_h = w.stride_h;
  g.stride_w = w.stride_w;
  g.dilation_h = w.dilation_h;
  g.dilation_w = w.dilation_w;
  g.pad_top = w.pad_top;
  g.pad_left = w.pad_left;
  const int64_t span_h = int64_t{g.in_h} + w.pad_top + w.pad_bottom - int64_t{w.dilation_h} * (w.kernel_h - 1);
  const int64_t span_w = int64_t{g.in_w} + w.pad_left + w.pad_right - int64_t{w.dilation_w} * (w.kernel_w - 1);
  if (span_h < 1 || span_w < 1) return c.Error("kernel is larger than the padded input " + ShapeString(input.shape));
  const int64_t want_h = (span_h - 1) / w.stride_h + 1, want_w = (span_w - 1) / w.stride_w + 1;
  if (output.shape[0] != g.batch || g.out_h != want_h || g.out_w != want_w)
    return c.Error("output shape " + ShapeString(output.shape) + " does not follow from input " +
                   ShapeString(input.shape) + " (expected " + std::to_string(want_h) + "x" +
                   std::to_string(want_w) + " pixels)");
  return g;
}

IntRange TypeRange(const RuntimeTensor& t) {
  const bool is16 = t.dtype == qfm::DType::INT16;
  if (t.bits > 0) return {-(1 << (t.bits - 1)), (1 << (t.bits - 1)) - 1};
  return is16 ? IntRange{std::numeric_limits<int16_t>::min(), std::numeric_limits<int16_t>::max()} : IntRange{-128, 127};
}

IntRange QuantizedActivationRange(qfm::Activation activation, const RuntimeTensor& output) {
  const IntRange full = TypeRange(output);
  const int32_t lo = full.min, hi = full.max;
  const auto zp = static_cast<int32_t>(output.zero_point[0]);
  IntRange r{lo, hi};
  if (activation == qfm::Activation::RELU || activation == qfm::Activation::RELU6) r.min = std::max(lo, zp);
  if (activation == qfm::Activation::RELU6) {
    const double six = zp + std::round(6.0 / output.scale[0]);
    r.max = static_cast<int32_t>(std::min<double>(hi, six));
  }
  return r;
}

ref::FloatActivation FloatActivationRange(qfm::Activation activation) {
  ref::FloatActivation a;
  if (activation == qfm::Activation::RELU || activation == qfm::Activation::RELU6) a.min = 0.0f;
  if (activation == qfm::Activation::RELU6) a.max = 6.0f;
  return a;
}

StatusOr<RequantizeParams> MakeRequantizeParams(const PrepareContext& c, const RuntimeTensor& in,
                                                const RuntimeTensor& out) {
  QF_RETURN_IF_ERROR(CheckPerTensor(c, in));
  QF_RETURN_IF_ERROR(CheckPerTensor(c, out));
  const double m = static_cast<double>(in.scale[0]) / out.scale[0];
  if (!IsEncodableMultiplier(m) || m >= 32768.0) return c.Error("an input's scale is too large for the output's");
  RequantizeParams p;
  p.input_zero_point = static_cast<int32_t>(in.zero_point[0]);
  p.output_zero_point = static_cast<int32_t>(out.zero_point[0]);
  p.multiplier = QuantizeMultiplier(m);
  const IntRange r = TypeRange(out);
  p.min = r.min;
  p.max = r.max;
  return p;
}

}  // namespace ops
}  // namespace qforge::runtime
