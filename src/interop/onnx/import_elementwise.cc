// Importers of element-wise operators: Relu, Clip (as ReLU or ReLU6), HardSwish, HardSigmoid,
// Sigmoid, SiLU (fused), Add and Mul of two activations (Mul also by a per-channel gate), Add,
// Sub, Mul and Div of an activation and a constant (scalar or per channel: AffineChannels),
// Softmax over the classes, Dropout, Identity.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "interop/onnx/importers.h"
#include "interop/onnx/onnx_file.h"
#include "interop/onnx/onnx_fusions.h"
#include "ops/activations.h"
#include "ops/channel_ops.h"
#include "ops/dropout.h"
#include "ops/softmax.h"
#include "ops/tensor_ops.h"

namespace qforge::onnx_import {
namespace {

template <typename OpT>
Status ImportUnary(ImportContext& ctx, const onnx::NodeProto& n) {
  QF_ASSIGN_OR_RETURN(const int x, ctx.Activation(n, 0));
  QF_ASSIGN_OR_RETURN(const int y, ctx.AddNode(n, std::make_unique<OpT>(), {x}));
  ctx.SetActivation(n.output(0), y);
  return Status::Ok();
}

// Clip's bounds: attributes before opset 11, optional constant inputs from 11 on.
StatusOr<std::pair<double, double>> ClipBounds(ImportContext& ctx, const onnx::NodeProto& n) {
  double lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
  if (ctx.opset() < 11) {
    NodeAttrs attrs(n);
    lo = attrs.Float("min", -std::numeric_limits<float>::max());
    hi = attrs.Float("max", std::numeric_limits<float>::max());
    QF_RETURN_IF_ERROR(attrs.status());
  } else {
    for (int i = 1; i <= 2; ++i) {
      if (!ctx.HasInput(n, i)) continue;
      QF_ASSIGN_OR_RETURN(const ConstTensor* c, ctx.ConstantInput(n, i, i == 1 ? "min" : "max"));
      if (!c->IsScalarLike()) return InvalidArgument("{} must be a scalar", i == 1 ? "min" : "max");
      (i == 1 ? lo : hi) = c->values[0];
    }
  }
  return std::make_pair(lo, hi);
}

Status ImportClip(ImportContext& ctx, const onnx::NodeProto& n) {
  QF_ASSIGN_OR_RETURN(const auto bounds, ClipBounds(ctx, n));
  const auto [lo, hi] = bounds;
  const bool no_upper = hi >= std::numeric_limits<float>::max();
  if (lo == 0.0 && no_upper) return ImportUnary<ReluOp>(ctx, n);
  if (lo == 0.0 && hi == 6.0) return ImportUnary<Relu6Op>(ctx, n);
  if (!(lo > -std::numeric_limits<float>::max()) || no_upper || !(lo < hi))
    return InvalidArgument("Clip to [{}, {}]: a bounded range (or ReLU's [0, inf)) is imported", lo, hi);
  QF_ASSIGN_OR_RETURN(const int x, ctx.Activation(n, 0));
  QF_ASSIGN_OR_RETURN(const int y, ctx.AddNode(n, std::make_unique<ClipOp>(static_cast<float>(lo), static_cast<float>(hi)), {x}));
  ctx.SetActivation(n.output(0), y);
  return Status::Ok();
}

// A constant that is one value, or one per channel of an activation of ONNX shape `x`
// ([C], [C, 1, 1], [1, C, 1, 1], ...): its value for each of the x[1] channels.
StatusOr<std::vector<float>> PerChannel(const ConstTensor& c, const Shape& x) {
  const int64_t channels = x[1];
  if (c.count() == 1) return std::vector<float>(channels, static_cast<float>(c.values[0]));
  Shape dims(x.size() > c.dims.size() ? x.size() - c.dims.size() : 0, 1);
  dims.insert(dims.end(), c.dims.begin(), c.dims.end());
  bool fits = dims.size() == x.size() && c.count() == channels;
  for (size_t d = 0; fits && d < dims.size(); ++d) fits = d == 1 ? dims[d] == channels : dims[d] == 1;
  if (!fits)
    return InvalidArgument("the constant {} is neither one value nor one per channel of {}", ShapeToString(c.dims),
                           ShapeToString(x));
  return std::vector<float>(c.values.begin(), c.values.end());
}

// x * scale + shift per channel, x being input `x_index` of the node.
Status AddAffine(ImportContext& ctx, const onnx::NodeProto& n, int x_index, const std::vector<float>& scale,
                 const std::vector<float>& shift) {
  QF_ASSIGN_OR_RETURN(const int x, ctx.Activation(n, x_index));
  const auto channels = static_cast<int64_t>(scale.size());
  Tensor a({channels}), b({channels});
  std::copy(scale.begin(), scale.end(), a.data());
  std::copy(shift.begin(), shift.end(), b.data());
  QF_ASSIGN_OR_RETURN(const int ap, ctx.Param(NodeName(n) + "/scale", a, false));
  QF_ASSIGN_OR_RETURN(const int bp, ctx.Param(NodeName(n) + "/shift", b, false));
  QF_ASSIGN_OR_RETURN(const int y, ctx.AddNode(n, std::make_unique<AffineChannelsOp>(), {x, ap, bp}));
  ctx.SetActivation(n.output(0), y);
  return Status::Ok();
}

// Add, Sub, Mul or Div of an activation and a constant.
Status ImportConstantArithmetic(ImportContext& ctx, const onnx::NodeProto& n, const ImportedValue& a,
                                const ImportedValue& b) {
  const bool constant_first = a.is_constant();
  const ImportedValue& x = constant_first ? b : a;
  if (x.shape.size() < 2) return InvalidArgument("the activation {} has no channels", ShapeToString(x.shape));
  QF_ASSIGN_OR_RETURN(std::vector<float> k, PerChannel(constant_first ? a.constant : b.constant, x.shape));
  const std::vector<float> ones(k.size(), 1.0f), zeros(k.size(), 0.0f);
  const int xi = constant_first ? 1 : 0;
  const std::string& op = n.op_type();
  if (op == "Add") return AddAffine(ctx, n, xi, ones, k);
  if (op == "Mul") return AddAffine(ctx, n, xi, k, zeros);
  if (op == "Sub") {
    std::vector<float> negated(k.size());
    for (size_t c = 0; c < k.size(); ++c) negated[c] = -k[c];
    return constant_first ? AddAffine(ctx, n, xi, std::vector<float>(k.size(), -1.0f), k) : AddAffine(ctx, n, xi, ones, negated);
  }
  if (constant_first) return InvalidArgument("dividing a constant by an activation is not supported");
  std::vector<float> inverse(k.size());
  for (size_t c = 0; c < k.size(); ++c) {
    if (k[c] == 0.0f) return InvalidArgument("division by a constant zero");
    inverse[c] = 1.0f / k[c];
  }
  return AddAffine(ctx, n, xi, inverse, zeros);
}

// Sub and Div: an activation and a constant.
Status ImportSubDiv(ImportContext& ctx, const onnx::NodeProto& n) {
  QF_ASSIGN_OR_RETURN(const ImportedValue* a, ctx.Input(n, 0));
  QF_ASSIGN_OR_RETURN(const ImportedValue* b, ctx.Input(n, 1));
  if (!a->is_constant() && !b->is_constant())
    return InvalidArgument("{} of two activations is not supported (only with a constant)", n.op_type());
  return ImportConstantArithmetic(ctx, n, *a, *b);
}

Status ImportAdd(ImportContext& ctx, const onnx::NodeProto& n) {
  QF_ASSIGN_OR_RETURN(const ImportedValue* a, ctx.Input(n, 0));
  QF_ASSIGN_OR_RETURN(const ImportedValue* b, ctx.Input(n, 1));
  if (a->is_constant() || b->is_constant()) return ImportConstantArithmetic(ctx, n, *a, *b);
  if (a->shape != b->shape)
    return InvalidArgument("the operands' shapes differ ({} and {}); broadcasting Add is not supported",
                           ShapeToString(a->shape), ShapeToString(b->shape));
  QF_ASSIGN_OR_RETURN(const int x, ctx.Activation(n, 0));
  QF_ASSIGN_OR_RETURN(const int y, ctx.Activation(n, 1));
  QF_ASSIGN_OR_RETURN(const int sum, ctx.AddNode(n, std::make_unique<AddOp>(), {x, y}));
  ctx.SetActivation(n.output(0), sum);
  return Status::Ok();
}

Status ImportHardSigmoid(ImportContext& ctx, const onnx::NodeProto& n) {
  NodeAttrs attrs(n);
  const float alpha = attrs.Float("alpha", 0.2f), beta = attrs.Float("beta", 0.5f);
  QF_RETURN_IF_ERROR(attrs.status());
  if (!IsPyTorchHardSigmoid(n))
    return InvalidArgument("HardSigmoid with alpha {}, beta {}: only alpha 1/6, beta 1/2 (PyTorch's) is imported",
                           alpha, beta);
  return ImportUnary<HardSigmoidOp>(ctx, n);
}

Status ImportMul(ImportContext& ctx, const onnx::NodeProto& n) {
  QF_ASSIGN_OR_RETURN(const ImportedValue* a, ctx.Input(n, 0));
  QF_ASSIGN_OR_RETURN(const ImportedValue* b, ctx.Input(n, 1));
  if (a->is_constant() || b->is_constant()) return ImportConstantArithmetic(ctx, n, *a, *b);
  auto is_gate_of = [](const Shape& gate, const Shape& x) {
    return x.size() == 4 && gate == Shape{x[0], x[1], 1, 1};
  };
  int big = 0;
  if (is_gate_of(a->shape, b->shape)) big = 1;
  else if (a->shape != b->shape && !is_gate_of(b->shape, a->shape))
    return InvalidArgument("the operands' shapes ({} and {}) are neither equal nor a per-channel gate [N, C, 1, 1]",
                           ShapeToString(a->shape), ShapeToString(b->shape));
  QF_ASSIGN_OR_RETURN(const int x, ctx.Activation(n, big));
  QF_ASSIGN_OR_RETURN(const int y, ctx.Activation(n, 1 - big));
  QF_ASSIGN_OR_RETURN(const int prod, ctx.AddNode(n, std::make_unique<MulOp>(), {x, y}));
  ctx.SetActivation(n.output(0), prod);
  return Status::Ok();
}

Status ImportSoftmax(ImportContext& ctx, const onnx::NodeProto& n) {
  QF_ASSIGN_OR_RETURN(const ImportedValue* v, ctx.Input(n, 0));
  NodeAttrs attrs(n);
  const int64_t axis = attrs.Int("axis", ctx.opset() < 13 ? 1 : -1);
  QF_RETURN_IF_ERROR(attrs.status());
  const int64_t rank = static_cast<int64_t>(v->shape.size());
  if (rank != 2 || (axis != 1 && axis != -1))
    return InvalidArgument("only a softmax over the classes of [N, C] is imported (input {}, axis {})",
                           ShapeToString(v->shape), axis);
  return ImportUnary<SoftmaxOp>(ctx, n);
}

Status ImportDropout(ImportContext& ctx, const onnx::NodeProto& n) {
  if (n.output_size() > 1 && !n.output(1).empty()) return InvalidArgument("the mask output is not supported");
  float rate = 0.5f;
  if (ctx.opset() < 12) {
    NodeAttrs attrs(n);
    rate = attrs.Float("ratio", 0.5f);
    QF_RETURN_IF_ERROR(attrs.status());
  } else if (ctx.HasInput(n, 1)) {
    QF_ASSIGN_OR_RETURN(const ConstTensor* r, ctx.ConstantInput(n, 1, "ratio"));
    if (!r->IsScalarLike()) return InvalidArgument("ratio must be a scalar");
    rate = static_cast<float>(r->values[0]);
  }
  if (!(rate >= 0.0f && rate < 1.0f)) return InvalidArgument("ratio {} is not in [0, 1)", rate);
  QF_ASSIGN_OR_RETURN(const ImportedValue* v, ctx.Input(n, 0));
  if (v->is_constant()) {
    ctx.Alias(n.output(0), *v);
    return Status::Ok();
  }
  QF_ASSIGN_OR_RETURN(const int x, ctx.Activation(n, 0));
  QF_ASSIGN_OR_RETURN(const int y, ctx.AddNode(n, std::make_unique<DropoutOp>(rate), {x}));
  ctx.SetActivation(n.output(0), y);
  return Status::Ok();
}

Status ImportIdentity(ImportContext& ctx, const onnx::NodeProto& n) {
  QF_ASSIGN_OR_RETURN(const ImportedValue* v, ctx.Input(n, 0));
  ctx.Alias(n.output(0), *v);
  return Status::Ok();
}

}  // namespace

std::vector<ImporterRow> ElementwiseImporters() {
  return {{"Relu", ImportUnary<ReluOp>},
          {"Sigmoid", ImportUnary<SigmoidOp>},
          {"HardSwish", ImportUnary<HardSwishOp>},
          {"HardSigmoid", ImportHardSigmoid},
          {"SiLU", ImportUnary<SiluOp>},  // only as fused by onnx_fusions.cc
          {"Mul", ImportMul},
          {"Clip", ImportClip},
          {"Add", ImportAdd},
          {"Sub", ImportSubDiv},
          {"Div", ImportSubDiv},
          {"Softmax", ImportSoftmax},
          {"Dropout", ImportDropout},
          {"Identity", ImportIdentity}};
}

}  // namespace qforge::onnx_import
