// Importers of the shape operators on activations — Flatten, Reshape (static target; the batch
// may be symbolic), Concat along channels, Shape, Cast — and of Constant. Reshape targets that
// exporters compute with Shape/Gather/Unsqueeze/Concat arrive here already folded.
#include <fmt/format.h>

#include "interop/onnx/importers.h"
#include "interop/onnx/onnx_file.h"
#include "ops/tensor_ops.h"

namespace qforge::onnx_import {
namespace {

Status ImportFlatten(ImportContext& ctx, const onnx::NodeProto& n) {
  QF_ASSIGN_OR_RETURN(const ImportedValue* v, ctx.Input(n, 0));
  if (v->is_constant()) return InvalidArgument("Flatten of a constant is not supported");
  NodeAttrs attrs(n);
  int64_t axis = attrs.Int("axis", 1);
  QF_RETURN_IF_ERROR(attrs.status());
  if (axis < 0) axis += static_cast<int64_t>(v->shape.size());
  if (axis != 1) return InvalidArgument("only Flatten at axis 1 (keeping the batch) is imported, not axis {}", axis);
  const Shape out = {-1, NumElements(Shape(v->shape.begin() + 1, v->shape.end()))};
  QF_ASSIGN_OR_RETURN(const int x, ctx.ActivationAnyShape(n, 0));
  ctx.SetActivation(n.output(0), x, out);  // a view: see ImportContext::Activation
  return Status::Ok();
}

// ONNX Reshape's target (0 copies, -1 infers, kBatchDim is the symbolic batch) for an activation
// of ONNX shape `in`, as a shape whose dim 0 is the batch.
StatusOr<Shape> ReshapeTarget(const ImportContext& ctx, const Shape& in, const ConstTensor& t) {
  if (t.dims.size() != 1 || t.values.empty()) return InvalidArgument("the shape must be a non-empty 1-D tensor");
  const int64_t per_sample = NumElements(Shape(in.begin() + 1, in.end()));
  Shape out(t.values.size());
  for (size_t i = 1; i < t.values.size(); ++i) {
    const double d = t.values[i];
    if (d == kBatchDim) return InvalidArgument("the batch size appears at position {} of the target shape", i);
    out[i] = d == 0 ? (i < in.size() ? in[i] : -2) : static_cast<int64_t>(d);
    if (out[i] < -1 || out[i] == -2) return InvalidArgument("target dimension {} ({}) is not valid", i, d);
  }
  const double d0 = t.values[0];
  const bool batch0 = d0 == kBatchDim || d0 == 0 || (ctx.fixed_batch() > 0 && d0 == ctx.fixed_batch());
  const Shape rest(out.begin() + 1, out.end());
  const int64_t unknown = std::count(rest.begin(), rest.end(), -1);
  if (!batch0 && !(d0 == -1 && unknown == 0 && NumElements(rest) == per_sample))
    return InvalidArgument("the target shape does not keep the batch as its first dimension");
  if (unknown > 1) return InvalidArgument("the target shape has more than one -1");
  int64_t known = 1;
  for (int64_t d : rest) known *= d == -1 ? 1 : d;
  if (known == 0 || per_sample % known != 0 || (unknown == 0 && known != per_sample))
    return InvalidArgument("cannot reshape {} to {}", ShapeToString(in), ShapeToString(out));
  for (size_t i = 1; i < out.size(); ++i)
    if (out[i] == -1) out[i] = per_sample / known;
  out[0] = -1;
  return out;
}

Status ImportReshape(ImportContext& ctx, const onnx::NodeProto& n) {
  QF_ASSIGN_OR_RETURN(const ImportedValue* v, ctx.Input(n, 0));
  if (v->is_constant()) return InvalidArgument("internal: a constant Reshape should have been folded");
  NodeAttrs attrs(n);
  if (attrs.Int("allowzero", 0) != 0) return InvalidArgument("allowzero=1 is not supported");
  QF_RETURN_IF_ERROR(attrs.status());
  QF_ASSIGN_OR_RETURN(const ConstTensor* t, ctx.ConstantInput(n, 1, "the target shape"));
  QF_ASSIGN_OR_RETURN(const Shape out, ReshapeTarget(ctx, v->shape, *t));
  QF_ASSIGN_OR_RETURN(const int x, ctx.ActivationAnyShape(n, 0));
  ctx.SetActivation(n.output(0), x, out);  // a view: see ImportContext::Activation
  return Status::Ok();
}

Status ImportConcat(ImportContext& ctx, const onnx::NodeProto& n) {
  NodeAttrs attrs(n);
  int64_t axis = attrs.Int("axis", 1);
  QF_RETURN_IF_ERROR(attrs.status());
  std::vector<int> inputs;
  for (int i = 0; i < n.input_size(); ++i) {
    QF_ASSIGN_OR_RETURN(const ImportedValue* v, ctx.Input(n, i));
    if (v->is_constant()) return InvalidArgument("concatenating a constant with activations is not supported");
    if (axis < 0) axis += static_cast<int64_t>(v->shape.size());
    QF_ASSIGN_OR_RETURN(const int x, ctx.Activation(n, i));
    inputs.push_back(x);
  }
  if (axis != 1) return InvalidArgument("only Concat along the channels (axis 1) is imported, not axis {}", axis);
  QF_ASSIGN_OR_RETURN(const int y, ctx.AddNode(n, std::make_unique<ConcatOp>(), inputs));
  ctx.SetActivation(n.output(0), y);
  return Status::Ok();
}

Status ImportShape(ImportContext& ctx, const onnx::NodeProto& n) {
  QF_ASSIGN_OR_RETURN(const ImportedValue* v, ctx.Input(n, 0));
  NodeAttrs attrs(n);
  const int64_t rank = static_cast<int64_t>(v->shape.size());
  int64_t start = attrs.Int("start", 0), end = attrs.Int("end", rank);
  QF_RETURN_IF_ERROR(attrs.status());
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  ConstTensor c;
  c.elem_type = onnx::TensorProto::INT64;
  for (int64_t i = start; i < end; ++i)
    c.values.push_back(i == 0 && !v->is_constant() ? kBatchDim : static_cast<double>(v->shape[i]));
  c.dims = {static_cast<int64_t>(c.values.size())};
  ctx.SetConstant(n.output(0), std::move(c));
  return Status::Ok();
}

Status ImportCast(ImportContext& ctx, const onnx::NodeProto& n) {
  QF_ASSIGN_OR_RETURN(const ImportedValue* v, ctx.Input(n, 0));
  NodeAttrs attrs(n);
  const int64_t to = attrs.Int("to", 0);
  QF_RETURN_IF_ERROR(attrs.status());
  if (to != onnx::TensorProto::FLOAT)
    return InvalidArgument("casting an activation to {} is not supported (qforge computes in float)",
                           ElemTypeName(static_cast<int32_t>(to)));
  ctx.Alias(n.output(0), *v);
  return Status::Ok();
}

Status ImportConstant(ImportContext& ctx, const onnx::NodeProto& n) {
  NodeAttrs attrs(n);
  ConstTensor c;
  if (const onnx::TensorProto* t = attrs.TensorAttr("value")) {
    QF_ASSIGN_OR_RETURN(c, ReadTensorProto(*t, fmt::format("the value of {}", NodeLabel(n))));
  } else if (attrs.Has("value_float") || attrs.Has("value_int")) {
    const bool is_float = attrs.Has("value_float");
    c.elem_type = is_float ? onnx::TensorProto::FLOAT : onnx::TensorProto::INT64;
    c.values = {is_float ? attrs.Float("value_float", 0) : static_cast<double>(attrs.Int("value_int", 0))};
  } else if (attrs.Has("value_ints")) {
    c.elem_type = onnx::TensorProto::INT64;
    for (int64_t v : attrs.Ints("value_ints", {})) c.values.push_back(static_cast<double>(v));
    c.dims = {c.count()};
  } else if (attrs.Has("value_floats")) {
    for (float v : attrs.Floats("value_floats")) c.values.push_back(v);
    c.dims = {c.count()};
  } else {
    return InvalidArgument("only value, value_float, value_int and value_ints constants are supported");
  }
  QF_RETURN_IF_ERROR(attrs.status());
  ctx.SetConstant(n.output(0), std::move(c));
  return Status::Ok();
}

}  // namespace

std::vector<ImporterRow> ShapeImporters() {
  return {{"Flatten", ImportFlatten}, {"Reshape", ImportReshape}, {"Concat", ImportConcat},
          {"Shape", ImportShape},     {"Cast", ImportCast},       {"Constant", ImportConstant}};
}

}  // namespace qforge::onnx_import
