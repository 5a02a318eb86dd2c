// Importers of Resize (opsets 10-18) and Upsample (opset 9): nearest or bilinear resampling of
// the spatial axes to a constant size (given by `sizes`, or by `scales` that give a whole
// number of pixels), with ONNX's coordinate transforms and nearest rounding modes. Opset 10's
// Resize and Upsample compute as onnxruntime does: asymmetric coordinates, nearest rounding
// down when enlarging and up when shrinking.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "interop/onnx/importers.h"
#include "ops/resize.h"

namespace qforge::onnx_import {
namespace {

// The output height and width from constant `scales` (4 values, N and C at 1) or `sizes`.
StatusOr<std::pair<int64_t, int64_t>> OutputSize(const Shape& in, const ConstTensor* scales, const ConstTensor* sizes,
                                                 const std::vector<int64_t>& axes) {
  const std::vector<int64_t> spatial = axes.empty() ? std::vector<int64_t>{0, 1, 2, 3} : axes;
  const ConstTensor* given = sizes ? sizes : scales;
  if (!given || given->count() != static_cast<int64_t>(spatial.size()))
    return InvalidArgument("needs constant scales or sizes for the {} axes", spatial.size());
  int64_t out[4] = {in[0], in[1], in[2], in[3]};
  for (size_t k = 0; k < spatial.size(); ++k) {
    const int64_t axis = spatial[k] < 0 ? spatial[k] + 4 : spatial[k];
    if (axis < 0 || axis > 3) return InvalidArgument("axis {} out of range", spatial[k]);
    const double v = given->values[k];
    if (axis < 2) {
      if ((sizes && v != in[axis] && in[axis] != -1) || (!sizes && v != 1.0))
        return InvalidArgument("only the spatial axes can be resized (scales or sizes [{}])", fmt::join(given->values, ", "));
      continue;
    }
    const double size = sizes ? v : in[axis] * v;
    if (!(size >= 1) || size > (1 << 16) || size != std::floor(size))
      return InvalidArgument("scale {} of a {}-pixel axis does not give a whole number of pixels", v, in[axis]);
    out[axis] = static_cast<int64_t>(size);
  }
  return std::pair{out[2], out[3]};
}

Status AddResize(ImportContext& ctx, const onnx::NodeProto& n, const ConstTensor* scales, const ConstTensor* sizes,
                 const std::vector<int64_t>& axes, ResizeMode mode) {
  QF_ASSIGN_OR_RETURN(const int x, ctx.Activation(n, 0));
  const Shape in = ctx.graph().values()[x].shape;
  if (in.size() != 4) return InvalidArgument("only [N, C, H, W] inputs are resized, not {}", ShapeToString(in));
  QF_ASSIGN_OR_RETURN(const auto size, OutputSize(in, scales, sizes, axes));
  QF_ASSIGN_OR_RETURN(const int y, ctx.AddNode(n, std::make_unique<ResizeOp>(mode, size.first, size.second), {x}));
  ctx.SetActivation(n.output(0), y);
  return Status::Ok();
}

StatusOr<bool> IsBilinear(const std::string& mode) {
  if (mode == "nearest") return false;
  if (mode == "linear" || mode == "bilinear") return true;
  return InvalidArgument("mode '{}' is not supported (nearest and linear are)", mode);
}

// Opset 9's Upsample and opset 10's Resize: asymmetric coordinates; nearest rounds down when
// enlarging, up when shrinking (onnxruntime's rule for these opsets).
Status ImportOldResize(ImportContext& ctx, const onnx::NodeProto& n, const ConstTensor* scales) {
  NodeAttrs attrs(n);
  const std::string interpolation = attrs.String("mode", "nearest");
  QF_RETURN_IF_ERROR(attrs.status());
  ResizeMode mode;
  QF_ASSIGN_OR_RETURN(mode.bilinear, IsBilinear(interpolation));
  mode.coordinates = runtime::ref::ResizeCoordinates::kAsymmetric;
  if (!scales || scales->count() != 4) return InvalidArgument("needs 4 constant scales");
  const bool shrink = scales->values[2] < 1 || scales->values[3] < 1;
  if (shrink && (scales->values[2] > 1 || scales->values[3] > 1))
    return InvalidArgument("enlarging one axis while shrinking the other is not supported");
  mode.rounding = shrink ? runtime::ref::NearestRounding::kCeil : runtime::ref::NearestRounding::kFloor;
  return AddResize(ctx, n, scales, nullptr, {}, mode);
}

Status ImportUpsample(ImportContext& ctx, const onnx::NodeProto& n) {
  if (ctx.opset() < 9) return InvalidArgument("Upsample before opset 9 is not supported");
  QF_ASSIGN_OR_RETURN(const ConstTensor* scales, ctx.ConstantInput(n, 1, "scales"));
  return ImportOldResize(ctx, n, scales);
}

Status ImportResize(ImportContext& ctx, const onnx::NodeProto& n) {
  if (ctx.opset() < 11) {
    QF_ASSIGN_OR_RETURN(const ConstTensor* scales, ctx.ConstantInput(n, 1, "scales"));
    return ImportOldResize(ctx, n, scales);
  }
  NodeAttrs attrs(n);
  const std::string interpolation = attrs.String("mode", "nearest");
  const std::string coordinates = attrs.String("coordinate_transformation_mode", "half_pixel");
  const std::string rounding = attrs.String("nearest_mode", "round_prefer_floor");
  const int64_t exclude_outside = attrs.Int("exclude_outside", 0), antialias = attrs.Int("antialias", 0);
  const std::string policy = attrs.String("keep_aspect_ratio_policy", "stretch");
  const std::vector<int64_t> axes = attrs.Ints("axes", {});
  QF_RETURN_IF_ERROR(attrs.status());
  if (exclude_outside || antialias || policy != "stretch")
    return InvalidArgument("exclude_outside, antialias and keep_aspect_ratio_policy other than stretch are not supported");
  ResizeMode mode;
  QF_ASSIGN_OR_RETURN(mode.bilinear, IsBilinear(interpolation));
  QF_ASSIGN_OR_RETURN(mode.coordinates, ParseResizeCoordinates(coordinates));
  QF_ASSIGN_OR_RETURN(mode.rounding, ParseNearestRounding(rounding));
  const ConstTensor *scales = nullptr, *sizes = nullptr;
  if (ctx.HasInput(n, 3)) {
    QF_ASSIGN_OR_RETURN(sizes, ctx.ConstantInput(n, 3, "sizes"));
  }
  if (ctx.HasInput(n, 2)) {
    QF_ASSIGN_OR_RETURN(const ConstTensor* s, ctx.ConstantInput(n, 2, "scales"));
    if (s->count() > 0) scales = s;  // opsets 11-12 pass an empty scales beside sizes
  }
  if ((scales != nullptr) == (sizes != nullptr)) return InvalidArgument("needs exactly one of scales and sizes");
  return AddResize(ctx, n, scales, sizes, axes, mode);
}

}  // namespace

std::vector<ImporterRow> ResizeImporters() { return {{"Resize", ImportResize}, {"Upsample", ImportUpsample}}; }

}  // namespace qforge::onnx_import
