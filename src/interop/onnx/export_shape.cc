// ONNX exporters of the operators that move values: CONCATENATION, RESHAPE (with the transposes
// that keep NHWC element order in an NCHW graph, or a plain Flatten when dense layers read the
// result), CHANNEL_SHUFFLE as Reshape-Transpose-Reshape, SLICE, RESIZE and INSERT_ZEROS (a
// transposed convolution with a 1x1 kernel of ones per channel). They work on the stored values
// (int8 stays int8) except where values are computed: concatenation of inputs on other grids,
// bilinear resizing, inserting zeros.
#include <fmt/format.h>

#include "interop/onnx/export_context.h"

namespace qforge::onnx_export {
namespace {

Status ExportConcat(ExportContext& ctx, const QfmOp& op) {
  const int out = op.outputs[0];
  const QfmTensor& y = ctx.tensor(out);
  bool same_grid = true;
  for (int in : op.inputs)
    same_grid = same_grid && ctx.tensor(in).scale == y.scale && ctx.tensor(in).zero_point == y.zero_point &&
                ctx.tensor(in).bits == y.bits;
  std::vector<std::string> inputs;
  for (int in : op.inputs) inputs.push_back(same_grid ? ctx.Raw(in) : ctx.Float(in));
  onnx::NodeProto* n = ctx.Node("Concat", inputs, {same_grid ? ctx.Raw(out) : ctx.FloatResult(out)});
  SetInt(n, "axis", ctx.OnnxAxis(out, op.flat->options_as_ConcatenationOptions()->axis()));
  if (!same_grid) ctx.Produced(out);
  return Status::Ok();
}

bool HasPixels(const QfmTensor& t) { return t.shape.size() == 4 && t.shape[1] * t.shape[2] > 1; }

// Read only by dense layers, as their input.
bool OnlyDenseReads(const ExportContext& ctx, int index) {
  const auto& readers = ctx.view().consumers(index);
  if (readers.empty() || ctx.view().IsModelOutput(index)) return false;
  for (int k : readers) {
    const QfmOp& r = ctx.view().ops()[k];
    if (r.type != qfm::OpType::FULLY_CONNECTED || r.inputs[0] != index) return false;
  }
  return true;
}

Status ExportReshape(ExportContext& ctx, const QfmOp& op) {
  const int in = op.inputs[0], out = op.outputs[0];
  const QfmTensor &x = ctx.tensor(in), &y = ctx.tensor(out);
  const std::string name = y.name;
  if (x.shape.size() == 4 && y.shape.size() == 2 && (!HasPixels(x) || OnlyDenseReads(ctx, out))) {
    SetInt(ctx.Node("Flatten", {ctx.Raw(in)}, {ctx.Raw(out)}), "axis", 1);
    if (HasPixels(x)) ctx.MarkChwFlatten(out, {x.shape[1], x.shape[2], x.shape[3]});
    return Status::Ok();
  }
  std::string value = ctx.Raw(in);
  if (HasPixels(x)) {  // back to NHWC element order
    const std::string nhwc = ctx.Fresh(name + "/nhwc_in");
    SetInts(ctx.Node("Transpose", {value}, {nhwc}), "perm", {0, 2, 3, 1});
    value = nhwc;
  }
  std::vector<int64_t> dims(y.shape.begin(), y.shape.end());
  dims[0] = 0;  // the batch, from the input
  if (y.shape.size() == 4 && !HasPixels(y)) dims = {0, y.shape[3], 1, 1};
  const std::string target = HasPixels(y) ? ctx.Fresh(name + "/nhwc") : ctx.Raw(out);
  ctx.Node("Reshape", {value, ctx.Int64s(name + "/shape", dims)}, {target});
  if (HasPixels(y)) SetInts(ctx.Node("Transpose", {target}, {ctx.Raw(out)}), "perm", {0, 3, 1, 2});
  return Status::Ok();
}

// Channels (ONNX axis 1) seen as [groups, C / groups], transposed.
Status ExportChannelShuffle(ExportContext& ctx, const QfmOp& op) {
  const int in = op.inputs[0], out = op.outputs[0];
  const int groups = op.flat->options_as_ChannelShuffleOptions()->groups();
  const std::vector<int> dims = ctx.OnnxShape(in);
  const std::string name = ctx.tensor(out).name;
  if (dims.size() != 2 && dims.size() != 4) return Unimplemented("a channel shuffle of rank {}", dims.size());
  std::vector<int64_t> split = {0, groups, dims[1] / groups}, joined = {0, dims[1]}, perm = {0, 2, 1};
  for (size_t d = 2; d < dims.size(); ++d) {
    split.push_back(dims[d]);
    joined.push_back(dims[d]);
    perm.push_back(static_cast<int64_t>(d + 1));
  }
  const std::string grouped = ctx.Fresh(name + "/grouped"), swapped = ctx.Fresh(name + "/swapped");
  ctx.Node("Reshape", {ctx.Raw(in), ctx.Int64s(name + "/groups", split)}, {grouped});
  SetInts(ctx.Node("Transpose", {grouped}, {swapped}), "perm", perm);
  ctx.Node("Reshape", {swapped, ctx.Int64s(name + "/channels", joined)}, {ctx.Raw(out)});
  return Status::Ok();
}

Status ExportSlice(ExportContext& ctx, const QfmOp& op) {
  const qfm::SliceOptions* o = op.flat->options_as_SliceOptions();
  const int in = op.inputs[0], out = op.outputs[0];
  const std::string name = ctx.tensor(out).name;
  ctx.Node("Slice", {ctx.Raw(in), ctx.Int64s(name + "/starts", {o->begin()}), ctx.Int64s(name + "/ends", {o->end()}),
                     ctx.Int64s(name + "/axes", {ctx.OnnxAxis(in, o->axis())})},
           {ctx.Raw(out)});
  return Status::Ok();
}

const char* CoordinateMode(qfm::ResizeCoordinates c) {
  switch (c) {
    case qfm::ResizeCoordinates::HALF_PIXEL: return "half_pixel";
    case qfm::ResizeCoordinates::PYTORCH_HALF_PIXEL: return "pytorch_half_pixel";
    case qfm::ResizeCoordinates::ALIGN_CORNERS: return "align_corners";
    case qfm::ResizeCoordinates::ASYMMETRIC: return "asymmetric";
  }
  return "";
}

const char* NearestMode(qfm::NearestRounding r) {
  switch (r) {
    case qfm::NearestRounding::ROUND_PREFER_FLOOR: return "round_prefer_floor";
    case qfm::NearestRounding::ROUND_PREFER_CEIL: return "round_prefer_ceil";
    case qfm::NearestRounding::FLOOR: return "floor";
    case qfm::NearestRounding::CEIL: return "ceil";
  }
  return "";
}

// Nearest resizing moves stored values; bilinear computes in real numbers. Whole-number factors
// go as scales; other sizes as the input's [N, C] followed by the output's [H, W].
Status ExportResize(ExportContext& ctx, const QfmOp& op) {
  const qfm::ResizeOptions* o = op.flat->options_as_ResizeOptions();
  const int in = op.inputs[0], out = op.outputs[0];
  const std::vector<int>&x = ctx.tensor(in).shape, &y = ctx.tensor(out).shape;
  const std::string name = ctx.tensor(out).name;
  const bool stored = !o->bilinear();
  std::vector<std::string> inputs = {stored ? ctx.Raw(in) : ctx.Float(in), ""};
  if (y[1] % x[1] == 0 && y[2] % x[2] == 0) {
    inputs.push_back(ctx.Floats(name + "/scales", {1.0f, 1.0f, static_cast<float>(y[1] / x[1]),
                                                   static_cast<float>(y[2] / x[2])}));
  } else {
    const std::string shape = ctx.Fresh(name + "/input_shape"), batch_channels = ctx.Fresh(name + "/batch_channels"),
                      sizes = ctx.Fresh(name + "/sizes");
    ctx.Node("Shape", {inputs[0]}, {shape});
    ctx.Node("Slice", {shape, ctx.Int64s(name + "/from", {0}), ctx.Int64s(name + "/to", {2})}, {batch_channels});
    SetInt(ctx.Node("Concat", {batch_channels, ctx.Int64s(name + "/size", {y[1], y[2]})}, {sizes}), "axis", 0);
    inputs.push_back("");
    inputs.push_back(sizes);
  }
  onnx::NodeProto* n = ctx.Node("Resize", inputs, {stored ? ctx.Raw(out) : ctx.FloatResult(out)});
  SetString(n, "mode", o->bilinear() ? "linear" : "nearest");
  SetString(n, "coordinate_transformation_mode", CoordinateMode(o->coordinates()));
  if (!o->bilinear()) SetString(n, "nearest_mode", NearestMode(o->nearest_rounding()));
  if (!stored) ctx.Produced(out);
  return Status::Ok();
}

Status ExportInsertZeros(ExportContext& ctx, const QfmOp& op) {
  const qfm::InsertZerosOptions* o = op.flat->options_as_InsertZerosOptions();
  const int in = op.inputs[0], out = op.outputs[0];
  const int channels = ctx.tensor(in).shape[3];
  const std::string name = ctx.tensor(out).name;
  const std::string ones = ctx.Fresh(name + "/ones");
  onnx::TensorProto* w = ctx.Initializer(ones, onnx::TensorProto::FLOAT, {channels, 1, 1, 1});
  for (int c = 0; c < channels; ++c) w->add_float_data(1.0f);
  onnx::NodeProto* n = ctx.Node("ConvTranspose", {ctx.Float(in), ones}, {ctx.FloatResult(out)});
  SetInts(n, "strides", {o->stride_h(), o->stride_w()});
  SetInts(n, "kernel_shape", {1, 1});
  SetInt(n, "group", channels);
  ctx.Produced(out);
  return Status::Ok();
}

}  // namespace

std::vector<ExporterRow> ShapeExporters() {
  return {{qfm::OpType::CONCATENATION, ExportConcat}, {qfm::OpType::RESHAPE, ExportReshape},
          {qfm::OpType::CHANNEL_SHUFFLE, ExportChannelShuffle}, {qfm::OpType::SLICE, ExportSlice},
          {qfm::OpType::RESIZE, ExportResize},           {qfm::OpType::INSERT_ZEROS, ExportInsertZeros}};
}

}  // namespace qforge::onnx_export
