// Importers of the weighted layers: Conv (groups, dilation, pads, auto_pad), ConvTranspose (as
// InsertZeros and Conv2D), Gemm and MatMul (as Dense), BatchNormalization. Weights must be constants; they become trainable parameters
// named after their initializers.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "interop/onnx/importers.h"
#include "interop/onnx/window_attrs.h"
#include "ops/batch_norm.h"
#include "ops/conv2d.h"
#include "ops/dense.h"
#include "ops/insert_zeros.h"

namespace qforge::onnx_import {
namespace {

Status ImportConv(ImportContext& ctx, const onnx::NodeProto& n) {
  QF_ASSIGN_OR_RETURN(const int x, ctx.Activation(n, 0));
  QF_ASSIGN_OR_RETURN(const ConstTensor* w, ctx.ConstantInput(n, 1, "the weight"));
  const Shape in = ctx.graph().values()[x].shape;
  if (in.size() != 4 || w->dims.size() != 4)
    return InvalidArgument("only 2-D convolutions are imported (input {}, weight {})", ShapeToString(in),
                           ShapeToString(w->dims));
  NodeAttrs attrs(n);
  const int64_t groups = attrs.Int("group", 1);
  if (groups < 1 || in[1] % groups != 0 || w->dims[0] % groups != 0 || w->dims[1] * groups != in[1])
    return InvalidArgument("group {} does not fit {} input channels and weight {}", groups, in[1],
                           ShapeToString(w->dims));
  QF_ASSIGN_OR_RETURN(const Window2D window, ReadWindow(attrs, in, {w->dims[2], w->dims[3]}, false));
  QF_ASSIGN_OR_RETURN(const int wp, ctx.Param(n.input(1), w->ToFloatTensor(), true));
  std::vector<int> inputs = {x, wp};
  if (ctx.HasInput(n, 2)) {
    QF_ASSIGN_OR_RETURN(const ConstTensor* b, ctx.ConstantInput(n, 2, "the bias"));
    if (b->count() != w->dims[0]) return InvalidArgument("bias has {} values for {} output channels", b->count(), w->dims[0]);
    QF_ASSIGN_OR_RETURN(const int bp, ctx.Param(n.input(2), b->ToFloatTensor(), true));
    inputs.push_back(bp);
  }
  QF_ASSIGN_OR_RETURN(const int y, ctx.AddNode(n, std::make_unique<Conv2DOp>(window, groups), inputs));
  ctx.SetActivation(n.output(0), y);
  return Status::Ok();
}

// ConvTranspose as InsertZeros (stride) and a stride-1 Conv2D with the kernel flipped and its
// in/out axes swapped, padded by dilation * (k - 1) - pad (plus output_padding at the end): the
// same sums, on the convolution's kernels in training and at run time.
Status ImportConvTranspose(ImportContext& ctx, const onnx::NodeProto& n) {
  QF_ASSIGN_OR_RETURN(int x, ctx.Activation(n, 0));
  QF_ASSIGN_OR_RETURN(const ConstTensor* w, ctx.ConstantInput(n, 1, "the weight"));
  const Shape in = ctx.graph().values()[x].shape;
  if (in.size() != 4 || w->dims.size() != 4)
    return InvalidArgument("only 2-D transposed convolutions are imported (input {}, weight {})", ShapeToString(in),
                           ShapeToString(w->dims));
  NodeAttrs attrs(n);
  const int64_t groups = attrs.Int("group", 1);
  const std::vector<int64_t> strides = attrs.Ints("strides", {1, 1}), dilations = attrs.Ints("dilations", {1, 1});
  const std::vector<int64_t> pads = attrs.Ints("pads", {0, 0, 0, 0}), output_padding = attrs.Ints("output_padding", {0, 0});
  const std::string auto_pad = attrs.String("auto_pad", "NOTSET");
  const bool output_shape = attrs.Has("output_shape");
  QF_RETURN_IF_ERROR(attrs.status());
  if (auto_pad != "NOTSET" || output_shape)
    return InvalidArgument("auto_pad and output_shape are not supported (give pads and output_padding)");
  if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4 || output_padding.size() != 2)
    return InvalidArgument("strides, dilations, output_padding need 2 values and pads 4");
  const int64_t cin = w->dims[0], cout_per_group = w->dims[1], kh = w->dims[2], kw = w->dims[3];
  if (groups < 1 || cin != in[1] || cin % groups != 0)
    return InvalidArgument("group {} does not fit {} input channels and weight {}", groups, in[1], ShapeToString(w->dims));
  Window2D window;
  window.kernel = {kh, kw};
  window.dilation = {dilations[0], dilations[1]};
  for (int axis = 0; axis < 2; ++axis) {
    const int64_t reach = dilations[axis] * ((axis ? kw : kh) - 1);
    window.pads[axis] = reach - pads[axis];
    window.pads[axis + 2] = reach - pads[axis + 2] + output_padding[axis];
    if (strides[axis] < 1 || dilations[axis] < 1 || pads[axis] < 0 || pads[axis + 2] < 0 || output_padding[axis] < 0 ||
        output_padding[axis] >= std::max(strides[axis], dilations[axis]))
      return InvalidArgument("strides and dilations must be >= 1, pads >= 0 and output_padding below the stride or "
                             "dilation");
    if (window.pads[axis] < 0 || window.pads[axis + 2] < 0)
      return InvalidArgument("pads [{}] larger than the kernel's reach are not supported", fmt::join(pads, ", "));
    if (output_padding[axis] > pads[axis + 2])
      return InvalidArgument("output_padding {} beyond the end pad {} (rows that only get the bias) is not supported",
                             output_padding[axis], pads[axis + 2]);
  }
  if (strides[0] > 1 || strides[1] > 1) {
    QF_ASSIGN_OR_RETURN(x, ctx.AddNode(n, std::make_unique<InsertZerosOp>(std::array<int64_t, 2>{strides[0], strides[1]}),
                                       {x}, "/insert_zeros"));
  }
  // Weight [Cin, Cout / g, kh, kw] -> OIHW [Cout, Cin / g, kh, kw], flipped in space.
  const int64_t cin_per_group = cin / groups, cout = cout_per_group * groups;
  Tensor weight({cout, cin_per_group, kh, kw});
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t ci = 0; ci < cin_per_group; ++ci)
      for (int64_t co = 0; co < cout_per_group; ++co)
        for (int64_t a = 0; a < kh; ++a)
          for (int64_t b = 0; b < kw; ++b)
            weight[(((g * cout_per_group + co) * cin_per_group + ci) * kh + a) * kw + b] = static_cast<float>(
                w->values[(((g * cin_per_group + ci) * cout_per_group + co) * kh + (kh - 1 - a)) * kw + (kw - 1 - b)]);
  QF_ASSIGN_OR_RETURN(const int wp, ctx.Param(n.input(1) + "/" + n.name() + "/conv", weight, true));
  std::vector<int> inputs = {x, wp};
  if (ctx.HasInput(n, 2)) {
    QF_ASSIGN_OR_RETURN(const ConstTensor* b, ctx.ConstantInput(n, 2, "the bias"));
    if (b->count() != cout) return InvalidArgument("bias has {} values for {} output channels", b->count(), cout);
    QF_ASSIGN_OR_RETURN(const int bp, ctx.Param(n.input(2), b->ToFloatTensor(), true));
    inputs.push_back(bp);
  }
  QF_ASSIGN_OR_RETURN(const int y, ctx.AddNode(n, std::make_unique<Conv2DOp>(window, groups), inputs));
  ctx.SetActivation(n.output(0), y);
  return Status::Ok();
}

// A fully connected layer y = x W^T + b from a weight given as [M, K] (`transposed`) or [K, M].
Status AddDense(ImportContext& ctx, const onnx::NodeProto& n, int x, const ConstTensor& w, bool transposed, float alpha,
                const ConstTensor* bias, float beta) {
  const Shape in = ctx.graph().values()[x].shape;
  if (in.size() != 2) return InvalidArgument("the input must be [N, K], is {}", ShapeToString(in));
  if (w.dims.size() != 2) return InvalidArgument("the weight must be 2-D, is {}", ShapeToString(w.dims));
  const int64_t m = transposed ? w.dims[0] : w.dims[1], k = transposed ? w.dims[1] : w.dims[0];
  if (k != in[1]) return InvalidArgument("the weight {} does not take {} inputs", ShapeToString(w.dims), in[1]);
  Tensor weight({m, k});
  for (int64_t r = 0; r < m; ++r)
    for (int64_t c = 0; c < k; ++c)
      weight[r * k + c] = alpha * static_cast<float>(transposed ? w.values[r * k + c] : w.values[c * m + r]);
  const bool plain = transposed && alpha == 1.0f;
  QF_ASSIGN_OR_RETURN(const int wp, ctx.Param(plain ? n.input(1) : n.input(1) + "/" + n.name() + "/dense", weight, true));
  Tensor b({m}, 0.0f);
  if (bias) {
    if (bias->count() != m && bias->count() != 1)
      return InvalidArgument("the bias {} does not broadcast to {} outputs", ShapeToString(bias->dims), m);
    for (int64_t r = 0; r < m; ++r) b[r] = beta * static_cast<float>(bias->values[bias->count() == 1 ? 0 : r]);
  }
  const std::string bias_name = bias && beta == 1.0f && bias->count() == m ? n.input(2) : n.output(0) + "/bias";
  QF_ASSIGN_OR_RETURN(const int bp, ctx.Param(bias_name, b, true));
  QF_ASSIGN_OR_RETURN(const int y, ctx.AddNode(n, std::make_unique<DenseOp>(), {x, wp, bp}));
  ctx.SetActivation(n.output(0), y);
  return Status::Ok();
}

// A = the activation as [N, K]: as it is when qforge's value is already 2-D (a global pooling's
// [N, C] that ONNX calls [N, C, 1, 1] and flattens), else reshaped to ONNX's 2-D shape (a Flatten
// of a feature map, which stays a view of the 4-D value until here).
StatusOr<int> DenseInput(ImportContext& ctx, const onnx::NodeProto& n) {
  QF_ASSIGN_OR_RETURN(const ImportedValue* a, ctx.Input(n, 0));
  if (a->shape.size() != 2) return InvalidArgument("input A must be 2-D, is {}", ShapeToString(a->shape));
  QF_ASSIGN_OR_RETURN(const int x, ctx.ActivationAnyShape(n, 0));
  if (ctx.graph().values()[x].shape.size() == 2) return x;
  return ctx.Activation(n, 0);
}

Status ImportGemm(ImportContext& ctx, const onnx::NodeProto& n) {
  NodeAttrs attrs(n);
  const float alpha = attrs.Float("alpha", 1.0f), beta = attrs.Float("beta", 1.0f);
  const bool trans_a = attrs.Int("transA", 0) != 0, trans_b = attrs.Int("transB", 0) != 0;
  QF_RETURN_IF_ERROR(attrs.status());
  if (trans_a) return InvalidArgument("transA=1 (a transposed activation) is not supported");
  QF_ASSIGN_OR_RETURN(const int x, DenseInput(ctx, n));
  QF_ASSIGN_OR_RETURN(const ConstTensor* w, ctx.ConstantInput(n, 1, "B (the weight)"));
  const ConstTensor* c = nullptr;
  if (ctx.HasInput(n, 2)) {
    QF_ASSIGN_OR_RETURN(c, ctx.ConstantInput(n, 2, "C (the bias)"));
  }
  return AddDense(ctx, n, x, *w, trans_b, alpha, c, beta);
}

Status ImportMatMul(ImportContext& ctx, const onnx::NodeProto& n) {
  QF_ASSIGN_OR_RETURN(const int x, DenseInput(ctx, n));
  QF_ASSIGN_OR_RETURN(const ConstTensor* w, ctx.ConstantInput(n, 1, "the second operand (the weight)"));
  return AddDense(ctx, n, x, *w, false, 1.0f, nullptr, 1.0f);
}

Status ImportBatchNorm(ImportContext& ctx, const onnx::NodeProto& n) {
  for (int i = 1; i < n.output_size(); ++i)
    if (!n.output(i).empty()) return InvalidArgument("the training-mode outputs (running statistics) are not supported");
  NodeAttrs attrs(n);
  const float eps = attrs.Float("epsilon", 1e-5f), momentum = attrs.Float("momentum", 0.9f);
  if (attrs.Int("training_mode", 0) != 0) return InvalidArgument("training_mode=1 is not supported");
  QF_RETURN_IF_ERROR(attrs.status());
  if (!(eps > 0.0f) || !(momentum >= 0.0f && momentum <= 1.0f))
    return InvalidArgument("epsilon {} or momentum {} out of range", eps, momentum);
  QF_ASSIGN_OR_RETURN(const int x, ctx.Activation(n, 0));
  const Shape in = ctx.graph().values()[x].shape;
  if (in.size() < 2) return InvalidArgument("the input must have channels, is {}", ShapeToString(in));
  std::vector<int> inputs = {x};
  const char* roles[] = {"scale", "bias", "mean", "variance"};
  for (int i = 1; i <= 4; ++i) {
    QF_ASSIGN_OR_RETURN(const ConstTensor* c, ctx.ConstantInput(n, i, roles[i - 1]));
    if (c->count() != in[1]) return InvalidArgument("{} has {} values for {} channels", roles[i - 1], c->count(), in[1]);
    if (i == 4)
      for (double v : c->values)
        if (v < 0) return InvalidArgument("the variance has a negative value ({})", v);
    QF_ASSIGN_OR_RETURN(const int p, ctx.Param(n.input(i), c->ToFloatTensor(), i <= 2));
    inputs.push_back(p);
  }
  // ONNX's momentum weighs the running statistic; qforge's (PyTorch's) weighs the batch one.
  QF_ASSIGN_OR_RETURN(const int y, ctx.AddNode(n, std::make_unique<BatchNormOp>(eps, 1.0f - momentum), inputs));
  ctx.SetActivation(n.output(0), y);
  return Status::Ok();
}

}  // namespace

std::vector<ImporterRow> LayerImporters() {
  return {{"Conv", ImportConv}, {"ConvTranspose", ImportConvTranspose}, {"Gemm", ImportGemm}, {"MatMul", ImportMatMul}, {"BatchNormalization", ImportBatchNorm}};
}

}  // namespace qforge::onnx_import
