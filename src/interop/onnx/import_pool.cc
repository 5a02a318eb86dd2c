// Importers of pooling: MaxPool and AveragePool (pads, auto_pad, ceil_mode), GlobalAveragePool,
// and ReduceMean over the spatial axes (which is global average pooling).
#include <fmt/format.h>

#include <algorithm>

#include "interop/onnx/importers.h"
#include "interop/onnx/window_attrs.h"
#include "ops/pooling.h"

namespace qforge::onnx_import {
namespace {

template <PoolOp::Kind kKind>
Status ImportPool(ImportContext& ctx, const onnx::NodeProto& n) {
  if (n.output_size() > 1 && !n.output(1).empty()) return InvalidArgument("the Indices output is not supported");
  QF_ASSIGN_OR_RETURN(const int x, ctx.Activation(n, 0));
  NodeAttrs attrs(n);
  QF_ASSIGN_OR_RETURN(const Window2D window, ReadWindow(attrs, ctx.graph().values()[x].shape, {0, 0}, true));
  if (kKind == PoolOp::Kind::kAvg && attrs.Int("count_include_pad", 0) != 0 &&
      std::any_of(window.pads.begin(), window.pads.end(), [](int64_t p) { return p > 0; }))
    return InvalidArgument("count_include_pad=1 with padding is not supported (qforge averages the input pixels only)");
  if (attrs.Int("storage_order", 0) != 0) return InvalidArgument("storage_order=1 is not supported");
  QF_RETURN_IF_ERROR(attrs.status());
  QF_ASSIGN_OR_RETURN(const int y, ctx.AddNode(n, std::make_unique<PoolOp>(kKind, window), {x}));
  ctx.SetActivation(n.output(0), y);
  return Status::Ok();
}

// Global average pooling gives qforge's [N, C]; the ONNX tensor is [N, C, 1, 1] when kept 4-D.
Status AddGlobalAverage(ImportContext& ctx, const onnx::NodeProto& n, bool keep_dims) {
  QF_ASSIGN_OR_RETURN(const int x, ctx.Activation(n, 0));
  const Shape in = ctx.graph().values()[x].shape;
  if (in.size() != 4) return InvalidArgument("the input must be 4-D (NCHW), is {}", ShapeToString(in));
  QF_ASSIGN_OR_RETURN(const int y, ctx.AddNode(n, std::make_unique<GlobalAvgPoolOp>(), {x}));
  ctx.SetActivation(n.output(0), y, keep_dims ? Shape{in[0], in[1], 1, 1} : Shape{in[0], in[1]});
  return Status::Ok();
}

Status ImportGlobalAveragePool(ImportContext& ctx, const onnx::NodeProto& n) { return AddGlobalAverage(ctx, n, true); }

Status ImportReduceMean(ImportContext& ctx, const onnx::NodeProto& n) {
  QF_ASSIGN_OR_RETURN(const ImportedValue* v, ctx.Input(n, 0));
  NodeAttrs attrs(n);
  std::vector<int64_t> axes = attrs.Ints("axes", {});
  const bool keep = attrs.Int("keepdims", 1) != 0;
  QF_RETURN_IF_ERROR(attrs.status());
  if (ctx.opset() >= 18 && ctx.HasInput(n, 1)) {
    QF_ASSIGN_OR_RETURN(const ConstTensor* c, ctx.ConstantInput(n, 1, "axes"));
    axes.assign(c->values.begin(), c->values.end());
  }
  const int64_t rank = static_cast<int64_t>(v->shape.size());
  for (int64_t& a : axes) a = a < 0 ? a + rank : a;
  std::sort(axes.begin(), axes.end());
  if (rank != 4 || axes != std::vector<int64_t>{2, 3})
    return InvalidArgument("only a mean over the spatial axes of NCHW (global average pooling) is imported");
  return AddGlobalAverage(ctx, n, keep);
}

}  // namespace

std::vector<ImporterRow> PoolImporters() {
  return {{"MaxPool", ImportPool<PoolOp::Kind::kMax>},
          {"AveragePool", ImportPool<PoolOp::Kind::kAvg>},
          {"GlobalAveragePool", ImportGlobalAveragePool},
          {"ReduceMean", ImportReduceMean}};
}

}  // namespace qforge::onnx_import
