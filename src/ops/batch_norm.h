// BatchNorm op: inputs x [N, C, ...], gamma [C], beta [C], running_mean [C], running_var [C].
// Training mode normalizes with batch statistics and updates the running ones in place;
// inference mode uses the running statistics.
#pragma once

#include "ops/op.h"
#include "ops/ref/batch_norm_ref.h"

namespace qforge {

class BatchNormOp : public Op {
 public:
  BatchNormOp(float eps, float momentum);
  static StatusOr<std::unique_ptr<Op>> FromAttrs(const nlohmann::json& attrs);

  std::string_view type() const override { return "BatchNorm"; }
  nlohmann::json attrs() const override { return {{"eps", eps_}, {"momentum", momentum_}}; }
  StatusOr<Shape> InferShape(const std::vector<Shape>& inputs) const override;
  void Forward(const OpContext& ctx, const std::vector<Tensor*>& inputs, Tensor& output) override;
  void Backward(const OpContext& ctx, const std::vector<Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;

  float eps() const { return eps_; }

 private:
  ref::BatchNormShape ShapeOf(const Tensor& x) const;
  void BackwardThroughInference(const std::vector<Tensor*>& inputs, const Tensor& grad_output,
                                const std::vector<Tensor*>& grad_inputs);

  float eps_, momentum_;
  bool last_training_ = false;
  Tensor save_mean_, save_var_;  // statistics the last forward normalized with
};

}  // namespace qforge
