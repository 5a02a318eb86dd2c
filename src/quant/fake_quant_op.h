// FakeQuant: the training-graph op that applies a Quantizer. Inputs: the tensor to quantize,
// then the quantizer's parameters (graph params: tracked state is non-trainable, learned
// values trainable) in the quantizer's Params order. Fake quantization can be switched off
// (the op then passes its input through) to compare with float training.
#pragma once

#include <memory>

#include "ops/op.h"
#include "quant/quantizer.h"

namespace qforge::quant {

class FakeQuantOp : public Op {
 public:
  explicit FakeQuantOp(std::unique_ptr<Quantizer> quantizer, bool enabled = true, bool observing = true)
      : quantizer_(std::move(quantizer)), enabled_(enabled), observing_(observing) {}
  // {"quantizer": type, "config": the quantizer's attrs(), "enabled": bool, "observing": bool}.
  static StatusOr<std::unique_ptr<Op>> FromAttrs(const nlohmann::json& attrs);

  static constexpr std::string_view kType = "FakeQuant";
  std::string_view type() const override { return kType; }
  nlohmann::json attrs() const override;
  bool PassesThrough() const override { return true; }
  StatusOr<Shape> InferShape(const std::vector<Shape>& inputs) const override;
  void Forward(const OpContext& ctx, const std::vector<Tensor*>& inputs, Tensor& output) override;
  void Backward(const OpContext& ctx, const std::vector<Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;

  Quantizer& quantizer() { return *quantizer_; }
  const Quantizer& quantizer() const { return *quantizer_; }
  bool enabled() const { return enabled_; }
  void set_enabled(bool enabled) { enabled_ = enabled; }
  // Not observing: range trackers keep their ranges during training (learned parameters still
  // train through their gradients).
  bool observing() const { return observing_; }
  void set_observing(bool observing) { observing_ = observing; }

 private:
  std::unique_ptr<Quantizer> quantizer_;
  bool enabled_;
  bool observing_;
};

// Makes "FakeQuant" known to CreateOp (and so to Graph::FromJson and checkpoints).
Status RegisterQuantOps();

}  // namespace qforge::quant
