// Importers of the channel rearrangements: the channel-shuffle Transpose (of the 5-D view
// [N, groups, C / groups, H, W] that Reshape made), Slice along the channels, Split along the
// channels.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "interop/onnx/importers.h"
#include "ops/channel_layout.h"
#include "ops/tensor_ops.h"

namespace qforge::onnx_import {
namespace {

Status ImportTranspose(ImportContext& ctx, const onnx::NodeProto& n) {
  QF_ASSIGN_OR_RETURN(const ImportedValue* v, ctx.Input(n, 0));
  NodeAttrs attrs(n);
  const std::vector<int64_t> perm = attrs.Ints("perm", {});
  QF_RETURN_IF_ERROR(attrs.status());
  if (v->is_constant()) return InvalidArgument("a constant Transpose is not supported");
  if (v->shape.size() != 5 || perm != std::vector<int64_t>{0, 2, 1, 3, 4})
    return InvalidArgument("only the channel shuffle (perm [0, 2, 1, 3, 4] of [N, groups, C / groups, H, W]) is "
                           "imported; this one is perm [{}] of {}",
                           fmt::join(perm, ", "), ShapeToString(v->shape));
  const Shape& s = v->shape;
  const Shape nchw = {-1, s[1] * s[2], s[3], s[4]};
  QF_ASSIGN_OR_RETURN(int x, ctx.ActivationAnyShape(n, 0));
  if (ctx.graph().values()[x].shape != nchw) {
    QF_ASSIGN_OR_RETURN(x, ctx.AddNode(n, std::make_unique<ReshapeOp>(Shape(nchw.begin() + 1, nchw.end())), {x},
                                       "/reshape_in"));
  }
  QF_ASSIGN_OR_RETURN(const int y, ctx.AddNode(n, std::make_unique<ChannelShuffleOp>(s[1]), {x}));
  ctx.SetActivation(n.output(0), y, {-1, s[2], s[1], s[3], s[4]});  // same element order
  return Status::Ok();
}

// Output `out` = channels [begin, end) of input 0 (the whole input: no node).
Status AddChannelRange(ImportContext& ctx, const onnx::NodeProto& n, const std::string& out, int64_t begin,
                       int64_t end) {
  QF_ASSIGN_OR_RETURN(const int x, ctx.Activation(n, 0));
  const Shape in = ctx.graph().values()[x].shape;
  if (begin == 0 && end == in[1]) {
    ctx.SetActivation(out, x);
    return Status::Ok();
  }
  if (end <= begin) return InvalidArgument("the channel range [{}, {}) is empty", begin, end);
  QF_ASSIGN_OR_RETURN(const int y, ctx.AddNode(n, std::make_unique<SliceChannelsOp>(begin, end), {x},
                                               out == n.output(0) ? "" : "/" + out));
  ctx.SetActivation(out, y);
  return Status::Ok();
}

Status ImportSlice(ImportContext& ctx, const onnx::NodeProto& n) {
  QF_ASSIGN_OR_RETURN(const ImportedValue* v, ctx.Input(n, 0));
  QF_ASSIGN_OR_RETURN(const SliceSpec spec, ReadSliceSpec(ctx, n, v->shape));
  for (size_t d = 0; d < v->shape.size(); ++d) {
    const bool whole = spec.begin[d] == 0 && spec.step[d] == 1 && spec.out[d] == v->shape[d];
    if (d != 1 && !whole) return InvalidArgument("only slices along the channels (axis 1) are imported");
  }
  if (v->shape.size() < 2 || spec.step[1] != 1) return InvalidArgument("only contiguous channel slices are imported");
  return AddChannelRange(ctx, n, n.output(0), spec.begin[1], spec.begin[1] + spec.out[1]);
}

Status ImportSplit(ImportContext& ctx, const onnx::NodeProto& n) {
  QF_ASSIGN_OR_RETURN(const ImportedValue* v, ctx.Input(n, 0));
  NodeAttrs attrs(n);
  int64_t axis = attrs.Int("axis", 0);
  std::vector<int64_t> sizes = attrs.Ints("split", {});
  QF_RETURN_IF_ERROR(attrs.status());
  const int64_t rank = static_cast<int64_t>(v->shape.size());
  if (axis < 0) axis += rank;
  if (axis != 1 || rank < 2) return InvalidArgument("only Split along the channels (axis 1) is imported, not axis {}", axis);
  if (ctx.opset() >= 13 && ctx.HasInput(n, 1)) {
    QF_ASSIGN_OR_RETURN(const ConstTensor* c, ctx.ConstantInput(n, 1, "split"));
    sizes.assign(c->values.begin(), c->values.end());
  }
  const int64_t channels = v->shape[1], outputs = n.output_size();
  if (sizes.empty()) {  // equal parts; opset 18's num_outputs allows a smaller last one
    const int64_t part = (channels + outputs - 1) / outputs;
    for (int64_t i = 0; i < outputs; ++i) sizes.push_back(std::min(part, channels - i * part));
  }
  if (static_cast<int64_t>(sizes.size()) != outputs)
    return InvalidArgument("{} split sizes for {} outputs", sizes.size(), outputs);
  int64_t begin = 0;
  for (int64_t i = 0; i < outputs; ++i) {
    if (sizes[i] <= 0 || begin + sizes[i] > channels)
      return InvalidArgument("split sizes [{}] do not divide {} channels", fmt::join(sizes, ", "), channels);
    if (!n.output(i).empty()) QF_RETURN_IF_ERROR(AddChannelRange(ctx, n, n.output(i), begin, begin + sizes[i]));
    begin += sizes[i];
  }
  if (begin != channels) return InvalidArgument("split sizes [{}] do not add up to {} channels", fmt::join(sizes, ", "), channels);
  return Status::Ok();
}

}  // namespace

std::vector<ImporterRow> ChannelImporters() {
  return {{"Transpose", ImportTranspose}, {"Slice", ImportSlice}, {"Split", ImportSplit}};
}

}  // namespace qforge::onnx_import
