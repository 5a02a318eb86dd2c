// Pooling ops on NCHW: MaxPool and AvgPool (windowed) and GlobalAvgPool ([N, C, H, W] -> [N, C]).
// Fast paths: max pooling on qforge's own kernel (exactly the reference's results), average
// pooling on oneDNN.
#pragma once

#include <memory>
#include <vector>

#include "ops/geometry.h"
#include "ops/op.h"

namespace qforge {
namespace onednn {
class AvgPoolPrimitives;
}

class PoolOp : public Op {
 public:
  enum class Kind { kMax, kAvg };
  PoolOp(Kind kind, Window2D window);
  ~PoolOp() override;
  static StatusOr<std::unique_ptr<Op>> MaxFromAttrs(const nlohmann::json& attrs);
  static StatusOr<std::unique_ptr<Op>> AvgFromAttrs(const nlohmann::json& attrs);

  static constexpr std::string_view kMaxType = "MaxPool", kAvgType = "AvgPool";
  std::string_view type() const override { return kind_ == Kind::kMax ? kMaxType : kAvgType; }
  bool KeepsZeroChannels() const override { return true; }
  bool KeepsValueRange() const override { return true; }
  nlohmann::json attrs() const override { return WindowToJson(window_); }
  StatusOr<Shape> InferShape(const std::vector<Shape>& inputs) const override;
  void Forward(const OpContext& ctx, const std::vector<Tensor*>& inputs, Tensor& output) override;
  void Backward(const OpContext& ctx, const std::vector<Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;

  const Window2D& window() const { return window_; }

 private:
  Kind kind_;
  Window2D window_;
  bool last_forward_fast_ = false;  // the fast backward needs the fast forward's state
  std::vector<int32_t> argmax_;     // fast max pooling: winning tap per output
  std::unique_ptr<onednn::AvgPoolPrimitives> avg_fast_;
};

class GlobalAvgPoolOp : public Op {
 public:
  static StatusOr<std::unique_ptr<Op>> FromAttrs(const nlohmann::json&) {
    return std::unique_ptr<Op>(new GlobalAvgPoolOp());
  }
  static constexpr std::string_view kType = "GlobalAvgPool";
  std::string_view type() const override { return kType; }
  bool KeepsZeroChannels() const override { return true; }
  StatusOr<Shape> InferShape(const std::vector<Shape>& inputs) const override;
  void Forward(const OpContext& ctx, const std::vector<Tensor*>& inputs, Tensor& output) override;
  void Backward(const OpContext& ctx, const std::vector<Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;
};

}  // namespace qforge
