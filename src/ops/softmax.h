// Softmax op over the classes of [N, C] rows: y = exp(x - max) / sum(exp(x - max)). A model
// may end with it to output probabilities; training then applies the cross-entropy to the
// Softmax's input (train/loss.h, LossValue), and the converter maps it to the runtime's
// Softmax with its fixed output grid (1/256, -128 in int8).
#pragma once

#include "ops/op.h"

namespace qforge {

class SoftmaxOp : public Op {
 public:
  static StatusOr<std::unique_ptr<Op>> FromAttrs(const nlohmann::json&) { return std::unique_ptr<Op>(new SoftmaxOp()); }
  static constexpr std::string_view kType = "Softmax";
  std::string_view type() const override { return kType; }
  StatusOr<Shape> InferShape(const std::vector<Shape>& inputs) const override;
  void Forward(const OpContext& ctx, const std::vector<Tensor*>& inputs, Tensor& output) override;
  // dx = y * (dy - sum(dy * y)) per row.
  void Backward(const OpContext& ctx, const std::vector<Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;
};

}  // namespace qforge
