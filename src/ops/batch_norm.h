// BatchNorm op: inputs x [N, C, ...], gamma [C], beta [C], running_mean [C], running_var [C].
// Training mode normalizes with batch statistics and updates the running ones in place;
// inference mode uses the running statistics. With fuse_relu the op is BatchNorm followed by
// ReLU in one pass over memory (the same values and gradients as the two ops).
#pragma once

#include "ops/op.h"
#include "ops/ref/batch_norm_ref.h"

namespace qforge {

class BatchNormOp : public Op {
 public:
  BatchNormOp(float eps, float momentum, bool fuse_relu = false);
  static StatusOr<std::unique_ptr<Op>> FromAttrs(const nlohmann::json& attrs);

  std::string_view type() const override { return "BatchNorm"; }
  nlohmann::json attrs() const override;
  StatusOr<Shape> InferShape(const std::vector<Shape>& inputs) const override;
  void Forward(const OpContext& ctx, const std::vector<Tensor*>& inputs, Tensor& output) override;
  void Backward(const OpContext& ctx, const std::vector<Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;

  float eps() const { return eps_; }
  bool fuse_relu() const { return fuse_relu_; }
  // Frozen: training uses (and back-propagates through) the running statistics, which stop
  // updating — how quantization-aware training ends, matching the deployed folding.
  bool frozen() const { return frozen_; }
  void set_frozen(bool frozen) { frozen_ = frozen; }

 private:
  ref::BatchNormShape ShapeOf(const Tensor& x) const;
  void BackwardThroughInference(const std::vector<Tensor*>& inputs, const Tensor& grad_output,
                                const std::vector<Tensor*>& grad_inputs);

  float eps_, momentum_;
  bool fuse_relu_;
  bool frozen_ = false;
  bool last_training_ = false;
  Tensor save_mean_, save_var_;  // statistics the last forward normalized with
  Tensor masked_grad_;           // reference path with fuse_relu: the gradient through ReLU
};

}  // namespace qforge
