// Resize (see resize.h): per plane, each output sample is a blend of at most four inputs; the
// backward pass scatters the gradient with the same weights.
#include "ops/resize.h"

#include <array>
#include <utility>

namespace qforge {
namespace {

using runtime::ref::NearestRounding;
using runtime::ref::ResizeCoordinates;
using runtime::ref::ResizeTap;

constexpr std::array<std::pair<const char*, ResizeCoordinates>, 4> kCoordinates = {{
    {"half_pixel", ResizeCoordinates::kHalfPixel},
    {"pytorch_half_pixel", ResizeCoordinates::kPytorchHalfPixel},
    {"align_corners", ResizeCoordinates::kAlignCorners},
    {"asymmetric", ResizeCoordinates::kAsymmetric},
}};
constexpr std::array<std::pair<const char*, NearestRounding>, 4> kRoundings = {{
    {"round_prefer_floor", NearestRounding::kRoundPreferFloor},
    {"round_prefer_ceil", NearestRounding::kRoundPreferCeil},
    {"floor", NearestRounding::kFloor},
    {"ceil", NearestRounding::kCeil},
}};

template <typename Table, typename Value>
const char* NameOf(const Table& table, Value v) {
  for (const auto& [name, value] : table)
    if (value == v) return name;
  return "?";
}

// Visits every (output index, input index, weight) of one plane's blend.
template <typename Visit>
void ForEachTap(const std::vector<ResizeTap>& rows, const std::vector<ResizeTap>& cols, int64_t in_w, Visit visit) {
  const int64_t out_w = static_cast<int64_t>(cols.size());
  for (size_t y = 0; y < rows.size(); ++y)
    for (int64_t x = 0; x < out_w; ++x) {
      const ResizeTap &r = rows[y], &c = cols[x];
      const int64_t o = static_cast<int64_t>(y) * out_w + x;
      const auto wy = static_cast<float>(r.w1), wx = static_cast<float>(c.w1);
      visit(o, r.i0 * in_w + c.i0, (1 - wy) * (1 - wx));
      if (wx != 0) visit(o, r.i0 * in_w + c.i1, (1 - wy) * wx);
      if (wy != 0) {
        visit(o, r.i1 * in_w + c.i0, wy * (1 - wx));
        if (wx != 0) visit(o, r.i1 * in_w + c.i1, wy * wx);
      }
    }
}

}  // namespace

StatusOr<ResizeCoordinates> ParseResizeCoordinates(const std::string& name) {
  for (const auto& [n, value] : kCoordinates)
    if (name == n) return value;
  return InvalidArgument("unsupported resize coordinate transform '{}'", name);
}

StatusOr<NearestRounding> ParseNearestRounding(const std::string& name) {
  for (const auto& [n, value] : kRoundings)
    if (name == n) return value;
  return InvalidArgument("unsupported nearest rounding mode '{}'", name);
}

StatusOr<std::unique_ptr<Op>> ResizeOp::FromAttrs(const nlohmann::json& attrs) {
  ResizeMode mode;
  const std::string interpolation = attrs.value("mode", std::string("nearest"));
  if (interpolation != "nearest" && interpolation != "bilinear")
    return InvalidArgument("Resize mode must be nearest or bilinear, not '{}'", interpolation);
  mode.bilinear = interpolation == "bilinear";
  QF_ASSIGN_OR_RETURN(mode.coordinates, ParseResizeCoordinates(attrs.value("coordinates", std::string("half_pixel"))));
  QF_ASSIGN_OR_RETURN(mode.rounding, ParseNearestRounding(attrs.value("nearest_rounding", std::string("round_prefer_floor"))));
  const int64_t height = attrs.value("height", int64_t{0}), width = attrs.value("width", int64_t{0});
  if (height < 1 || width < 1 || height > (1 << 16) || width > (1 << 16))
    return InvalidArgument("Resize output size {}x{} out of range", height, width);
  return std::unique_ptr<Op>(new ResizeOp(mode, height, width));
}

nlohmann::json ResizeOp::attrs() const {
  return {{"mode", mode_.bilinear ? "bilinear" : "nearest"},
          {"coordinates", NameOf(kCoordinates, mode_.coordinates)},
          {"nearest_rounding", NameOf(kRoundings, mode_.rounding)},
          {"height", height_},
          {"width", width_}};
}

StatusOr<Shape> ResizeOp::InferShape(const std::vector<Shape>& in) const {
  if (in.size() != 1 || in[0].size() != 4) return InvalidArgument("Resize takes one [N, C, H, W] input");
  return Shape{in[0][0], in[0][1], height_, width_};
}

void ResizeOp::Forward(const OpContext&, const std::vector<Tensor*>& in, Tensor& out) {
  const Tensor& x = *in[0];
  const int64_t planes = x.dim(0) * x.dim(1), in_h = x.dim(2), in_w = x.dim(3);
  const auto rows = runtime::ref::ResizeTaps(in_h, height_, mode_.bilinear, mode_.coordinates, mode_.rounding);
  const auto cols = runtime::ref::ResizeTaps(in_w, width_, mode_.bilinear, mode_.coordinates, mode_.rounding);
  out.Fill(0.0f);
  for (int64_t p = 0; p < planes; ++p) {
    const float* src = x.data() + p * in_h * in_w;
    float* dst = out.data() + p * height_ * width_;
    ForEachTap(rows, cols, in_w, [&](int64_t o, int64_t i, float w) { dst[o] += w * src[i]; });
  }
}

void ResizeOp::Backward(const OpContext&, const std::vector<Tensor*>& in, const Tensor&, const Tensor& dy,
                        const std::vector<Tensor*>& din) {
  if (!din[0]) return;
  const int64_t planes = in[0]->dim(0) * in[0]->dim(1), in_h = in[0]->dim(2), in_w = in[0]->dim(3);
  const auto rows = runtime::ref::ResizeTaps(in_h, height_, mode_.bilinear, mode_.coordinates, mode_.rounding);
  const auto cols = runtime::ref::ResizeTaps(in_w, width_, mode_.bilinear, mode_.coordinates, mode_.rounding);
  din[0]->Fill(0.0f);
  for (int64_t p = 0; p < planes; ++p) {
    const float* g = dy.data() + p * height_ * width_;
    float* dst = din[0]->data() + p * in_h * in_w;
    ForEachTap(rows, cols, in_w, [&](int64_t o, int64_t i, float w) { dst[i] += w * g[o]; });
  }
}

}  // namespace qforge
