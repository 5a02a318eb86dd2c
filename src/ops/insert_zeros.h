// InsertZeros: spreads the pixels of [N, C, H, W] `stride` apart, zeros between them, giving
// [N, C, (H - 1) * sh + 1, (W - 1) * sw + 1]. With a stride-1 convolution of flipped weights
// after it, it computes a transposed convolution (ONNX ConvTranspose imports so), which then
// trains, quantizes and runs on the convolution's kernels.
#pragma once

#include <array>

#include "ops/op.h"

namespace qforge {

class InsertZerosOp : public Op {
 public:
  explicit InsertZerosOp(std::array<int64_t, 2> stride) : stride_(stride) {}
  static StatusOr<std::unique_ptr<Op>> FromAttrs(const nlohmann::json& attrs);
  static constexpr std::string_view kType = "InsertZeros";
  std::string_view type() const override { return kType; }
  nlohmann::json attrs() const override { return {{"stride", stride_}}; }
  bool KeepsValueRange() const override { return true; }  // inputs and zeros (in every quantized range)
  bool KeepsZeroChannels() const override { return true; }
  StatusOr<Shape> InferShape(const std::vector<Shape>& inputs) const override;
  void Forward(const OpContext& ctx, const std::vector<Tensor*>& inputs, Tensor& output) override;
  void Backward(const OpContext& ctx, const std::vector<Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;
  const std::array<int64_t, 2>& stride() const { return stride_; }

 private:
  std::array<int64_t, 2> stride_;
};

}  // namespace qforge
