// Resize: nearest or bilinear resampling of [N, C, H, W] to a fixed output height and width,
// with ONNX Resize's coordinate transforms and nearest rounding modes (attributes named as in
// ONNX: "half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"; "round_prefer_floor",
// "round_prefer_ceil", "floor", "ceil"). The taps are the runtime's (runtime/kernels/ref/
// resize_ref.h), so training and deployment read the same input samples.
#pragma once

#include <string>

#include "ops/op.h"
#include "runtime/kernels/ref/resize_ref.h"

namespace qforge {

struct ResizeMode {
  bool bilinear = false;
  runtime::ref::ResizeCoordinates coordinates = runtime::ref::ResizeCoordinates::kHalfPixel;
  runtime::ref::NearestRounding rounding = runtime::ref::NearestRounding::kRoundPreferFloor;
};

// The ONNX names, both ways; an unknown name is an error naming it.
StatusOr<runtime::ref::ResizeCoordinates> ParseResizeCoordinates(const std::string& name);
StatusOr<runtime::ref::NearestRounding> ParseNearestRounding(const std::string& name);

class ResizeOp : public Op {
 public:
  ResizeOp(ResizeMode mode, int64_t height, int64_t width) : mode_(mode), height_(height), width_(width) {}
  static StatusOr<std::unique_ptr<Op>> FromAttrs(const nlohmann::json& attrs);
  static constexpr std::string_view kType = "Resize";
  std::string_view type() const override { return kType; }
  nlohmann::json attrs() const override;
  bool KeepsValueRange() const override { return true; }  // copies or convex blends of inputs
  StatusOr<Shape> InferShape(const std::vector<Shape>& inputs) const override;
  void Forward(const OpContext& ctx, const std::vector<Tensor*>& inputs, Tensor& output) override;
  void Backward(const OpContext& ctx, const std::vector<Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;
  const ResizeMode& mode() const { return mode_; }

 private:
  ResizeMode mode_;
  int64_t height_, width_;
};

}  // namespace qforge
