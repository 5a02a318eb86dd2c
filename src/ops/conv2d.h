// Conv2D op: inputs x [N, C, H, W], weight [OC, C / groups, KH, KW], optional bias [OC].
// Depthwise convolution is groups == C.
#pragma once

#include <memory>

#include "ops/op.h"
#include "ops/ref/conv2d_ref.h"

namespace qforge {
namespace onednn {
class Conv2DPrimitives;
}

class Conv2DOp : public Op {
 public:
  Conv2DOp(Window2D window, int64_t groups);
  ~Conv2DOp() override;
  static StatusOr<std::unique_ptr<Op>> FromAttrs(const nlohmann::json& attrs);

  static constexpr std::string_view kType = "Conv2D";
  std::string_view type() const override { return kType; }
  nlohmann::json attrs() const override;
  StatusOr<Shape> InferShape(const std::vector<Shape>& inputs) const override;
  void Forward(const OpContext& ctx, const std::vector<Tensor*>& inputs, Tensor& output) override;
  void Backward(const OpContext& ctx, const std::vector<Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;

  const Window2D& window() const { return window_; }
  int64_t groups() const { return groups_; }

 private:
  ref::ConvShape ShapeOf(const std::vector<Tensor*>& inputs) const;

  Window2D window_;
  int64_t groups_;
  std::unique_ptr<onednn::Conv2DPrimitives> fast_;
};

}  // namespace qforge
