// Per-channel scaling ops, the pieces batch-norm folding during quantization-aware training is
// built from (Jacob et al. 2018; the single-convolution variant PyTorch uses):
//   BnFoldScale(gamma, running_var) = gamma / sqrt(running_var + eps)      -> [C]
//   ScaleChannels(x, s): x * s[c] (or x / s[c] with "invert"), c the index along "axis"
// so conv(x, fakequant(w * s)) / s feeds an ordinary BatchNorm, whose batch statistics train
// while the weights seen by the quantizer are exactly the folded ones that get deployed.
// And AffineChannels(x, a, b) = x * a[c] + b[c] along the channels (axis 1): what an imported
// model's arithmetic with constants (x * 2, x - mean, x / std, ...) becomes.
#pragma once

#include <memory>

#include "ops/op.h"

namespace qforge {

class BnFoldScaleOp : public Op {
 public:
  explicit BnFoldScaleOp(float eps) : eps_(eps) {}
  static StatusOr<std::unique_ptr<Op>> FromAttrs(const nlohmann::json& attrs);
  static constexpr std::string_view kType = "BnFoldScale";
  std::string_view type() const override { return kType; }
  nlohmann::json attrs() const override { return {{"eps", eps_}}; }
  StatusOr<Shape> InferShape(const std::vector<Shape>& inputs) const override;
  void Forward(const OpContext& ctx, const std::vector<Tensor*>& inputs, Tensor& output) override;
  void Backward(const OpContext& ctx, const std::vector<Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;

 private:
  float eps_;
};

class ScaleChannelsOp : public Op {
 public:
  ScaleChannelsOp(int axis, bool invert) : axis_(axis), invert_(invert) {}
  static StatusOr<std::unique_ptr<Op>> FromAttrs(const nlohmann::json& attrs);
  static constexpr std::string_view kType = "ScaleChannels";
  std::string_view type() const override { return kType; }
  nlohmann::json attrs() const override { return {{"axis", axis_}, {"invert", invert_}}; }
  bool PassesThrough() const override { return axis_ == 0; }
  StatusOr<Shape> InferShape(const std::vector<Shape>& inputs) const override;
  void Forward(const OpContext& ctx, const std::vector<Tensor*>& inputs, Tensor& output) override;
  void Backward(const OpContext& ctx, const std::vector<Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;

 private:
  int axis_;
  bool invert_;
};

class AffineChannelsOp : public Op {
 public:
  static StatusOr<std::unique_ptr<Op>> FromAttrs(const nlohmann::json&) {
    return std::unique_ptr<Op>(new AffineChannelsOp());
  }
  static constexpr std::string_view kType = "AffineChannels";
  std::string_view type() const override { return kType; }
  StatusOr<Shape> InferShape(const std::vector<Shape>& inputs) const override;
  void Forward(const OpContext& ctx, const std::vector<Tensor*>& inputs, Tensor& output) override;
  void Backward(const OpContext& ctx, const std::vector<Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;
};

}  // namespace qforge
