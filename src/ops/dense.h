// Dense (fully connected) op: inputs x [N, K], weight [M, K], optional bias [M]; output [N, M].
#pragma once

#include <memory>

#include "ops/op.h"

namespace qforge {
namespace onednn {
class DensePrimitives;
}

class DenseOp : public Op {
 public:
  DenseOp();
  ~DenseOp() override;
  static StatusOr<std::unique_ptr<Op>> FromAttrs(const nlohmann::json& attrs);

  static constexpr std::string_view kType = "Dense";
  std::string_view type() const override { return kType; }
  StatusOr<Shape> InferShape(const std::vector<Shape>& inputs) const override;
  void Forward(const OpContext& ctx, const std::vector<Tensor*>& inputs, Tensor& output) override;
  void Backward(const OpContext& ctx, const std::vector<Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;

 private:
  std::unique_ptr<onednn::DensePrimitives> fast_;
};

}  // namespace qforge
