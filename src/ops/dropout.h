// Dropout op (inverted): in training, zeroes each element with probability `rate` and scales
// the rest by 1 / (1 - rate); the identity in inference.
#pragma once

#include <vector>

#include "ops/op.h"

namespace qforge {

class DropoutOp : public Op {
 public:
  explicit DropoutOp(float rate) : rate_(rate) {}
  static StatusOr<std::unique_ptr<Op>> FromAttrs(const nlohmann::json& attrs);

  static constexpr std::string_view kType = "Dropout";
  std::string_view type() const override { return kType; }
  bool KeepsZeroChannels() const override { return true; }
  bool KeepsValueRange() const override { return true; }
  nlohmann::json attrs() const override { return {{"rate", rate_}}; }
  StatusOr<Shape> InferShape(const std::vector<Shape>& inputs) const override;
  void Forward(const OpContext& ctx, const std::vector<Tensor*>& inputs, Tensor& output) override;
  void Backward(const OpContext& ctx, const std::vector<Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;

 private:
  float rate_;
  Tensor mask_;  // 0 or 1 / (1 - rate) per element; all ones after an inference forward
};

}  // namespace qforge
