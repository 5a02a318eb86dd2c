// Structural ops: Add (same shapes), Mul (same shapes, or a per-channel gate), Concat (along
// channels), Flatten ([N, ...] -> [N, K]) and Reshape (batch kept, the rest given; one -1 allowed).
#pragma once

#include "ops/op.h"

namespace qforge {

class AddOp : public Op {
 public:
  static StatusOr<std::unique_ptr<Op>> FromAttrs(const nlohmann::json&) {
    return std::unique_ptr<Op>(new AddOp());
  }
  static constexpr std::string_view kType = "Add";
  std::string_view type() const override { return kType; }
  StatusOr<Shape> InferShape(const std::vector<Shape>& inputs) const override;
  void Forward(const OpContext& ctx, const std::vector<Tensor*>& inputs, Tensor& output) override;
  void Backward(const OpContext& ctx, const std::vector<Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;
};

// y = a * b, b either of a's shape or a gate [N, C, 1, 1] scaling each channel of a [N, C, H, W]
// (squeeze-and-excitation).
class MulOp : public Op {
 public:
  static StatusOr<std::unique_ptr<Op>> FromAttrs(const nlohmann::json&) {
    return std::unique_ptr<Op>(new MulOp());
  }
  static constexpr std::string_view kType = "Mul";
  std::string_view type() const override { return kType; }
  StatusOr<Shape> InferShape(const std::vector<Shape>& inputs) const override;
  void Forward(const OpContext& ctx, const std::vector<Tensor*>& inputs, Tensor& output) override;
  void Backward(const OpContext& ctx, const std::vector<Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;
};

class ConcatOp : public Op {
 public:
  static StatusOr<std::unique_ptr<Op>> FromAttrs(const nlohmann::json&) {
    return std::unique_ptr<Op>(new ConcatOp());
  }
  static constexpr std::string_view kType = "Concat";
  std::string_view type() const override { return kType; }
  StatusOr<Shape> InferShape(const std::vector<Shape>& inputs) const override;
  void Forward(const OpContext& ctx, const std::vector<Tensor*>& inputs, Tensor& output) override;
  void Backward(const OpContext& ctx, const std::vector<Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;
};

// Reshape keeps the element order; Flatten is Reshape to [N, -1].
class ReshapeOp : public Op {
 public:
  explicit ReshapeOp(Shape target, bool is_flatten = false)
      : target_(std::move(target)), is_flatten_(is_flatten) {}
  static StatusOr<std::unique_ptr<Op>> ReshapeFromAttrs(const nlohmann::json& attrs);
  static StatusOr<std::unique_ptr<Op>> FlattenFromAttrs(const nlohmann::json& attrs);

  static constexpr std::string_view kFlattenType = "Flatten", kReshapeType = "Reshape";
  std::string_view type() const override { return is_flatten_ ? kFlattenType : kReshapeType; }
  bool KeepsValueRange() const override { return true; }
  nlohmann::json attrs() const override;
  StatusOr<Shape> InferShape(const std::vector<Shape>& inputs) const override;
  void Forward(const OpContext& ctx, const std::vector<Tensor*>& inputs, Tensor& output) override;
  void Backward(const OpContext& ctx, const std::vector<Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;

 private:
  Shape target_;  // without the batch dimension
  bool is_flatten_;
};

}  // namespace qforge
