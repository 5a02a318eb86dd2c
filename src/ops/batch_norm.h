// BatchNorm op: inputs x [N, C, ...], gamma [C], beta [C], running_mean [C], running_var [C].
// Training mode normalizes with batch statistics and updates the running ones in place;
// inference mode uses the running statistics. With fuse_relu the op is BatchNorm followed by
// ReLU in one pass over memory (the same values and gradients as the two ops). In data-parallel
// training (OpContext::replicas) the batch statistics are the global batch's (ops/batch_norm_sync.h).
//
// An optional sixth input, input_scale s [C], says the op's input is x = s * z per channel:
// the op is then BatchNorm(x / s) — values, running statistics (of z) and gradients, the
// gradient of s included — computed without a pass over memory for the division, as
// normalizing x with eps * s^2 equals normalizing z with eps. Batch-norm folding in QAT uses
// it to undo the folded weight scale (quant/qat.h).
#pragma once

#include "ops/op.h"
#include "ops/ref/batch_norm_ref.h"

namespace qforge {

class BatchNormOp : public Op {
 public:
  BatchNormOp(float eps, float momentum, bool fuse_relu = false);
  static StatusOr<std::unique_ptr<Op>> FromAttrs(const nlohmann::json& attrs);

  static constexpr std::string_view kType = "BatchNorm";
  std::string_view type() const override { return kType; }
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
  // The kernels' shape; with an input scale, per-channel eps * s^2 (kept in channel_eps_).
  ref::BatchNormShape ShapeOf(const std::vector<Tensor*>& inputs);
  // Updates the running statistics (those of z = x / scale with an input scale) from the
  // saved batch statistics, counting s.n examples.
  void UpdateRunningStatistics(const ref::BatchNormShape& s, const float* scale, const std::vector<Tensor*>& in);
  void BackwardThroughInference(const ref::BatchNormShape& s, const std::vector<Tensor*>& inputs,
                                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs);

  float eps_, momentum_;
  bool fuse_relu_;
  bool frozen_ = false;
  bool last_training_ = false;
  bool synchronized_ = false;  // the last forward used the statistics of all replicas
  Tensor save_mean_, save_var_;  // statistics the last forward normalized with (of x, not z)
  Tensor channel_eps_;           // eps * s^2 with an input scale
  Tensor z_mean_, z_var_;        // batch statistics of z = x / s, for the running ones
  Tensor sum_dy_xhat_, sum_dy_x_;  // scratch for the input scale's gradient
  Tensor masked_grad_;           // reference path with fuse_relu: the gradient through ReLU
};

}  // namespace qforge
