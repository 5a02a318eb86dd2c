// Element-wise activation ops: Relu, Relu6, HardSwish, HardSigmoid, Sigmoid, SiLU. Each is a pair of scalar
// functions (value, and the input gradient from x, y = F(x) and the output gradient g) plugged
// into one op template. They are written as selects, not products with 0/1, so the loops
// vectorize without branches. A new activation is one struct here, added to ActivationFns:
// its loops are compiled and its op registered from that list.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "ops/op.h"

namespace qforge {

struct ReluFn {
  static constexpr const char* kName = "Relu";
  static float F(float x) { return x > 0.0f ? x : 0.0f; }
  static float Grad(float x, float, float g) { return x > 0.0f ? g : 0.0f; }
};
struct Relu6Fn {
  static constexpr const char* kName = "Relu6";
  static float F(float x) { return std::min(std::max(x, 0.0f), 6.0f); }
  static float Grad(float x, float, float g) { return x > 0.0f && x < 6.0f ? g : 0.0f; }
};
// x · relu6(x + 3) / 6 (Howard et al. 2019, MobileNetV3).
struct HardSwishFn {
  static constexpr const char* kName = "HardSwish";
  static float F(float x) { return x * std::min(std::max(x + 3.0f, 0.0f), 6.0f) / 6.0f; }
  static float Grad(float x, float, float g) {
    const float slope = x >= 3.0f ? 1.0f : (2.0f * x + 3.0f) * (1.0f / 6.0f);
    return x <= -3.0f ? 0.0f : g * slope;
  }
};
// relu6(x + 3) / 6 (MobileNetV3's gate; ONNX HardSigmoid with alpha 1/6, beta 1/2).
struct HardSigmoidFn {
  static constexpr const char* kName = "HardSigmoid";
  static float F(float x) { return std::min(std::max(x * (1.0f / 6.0f) + 0.5f, 0.0f), 1.0f); }
  static float Grad(float x, float, float g) { return x > -3.0f && x < 3.0f ? g * (1.0f / 6.0f) : 0.0f; }
};
struct SigmoidFn {
  static constexpr const char* kName = "Sigmoid";
  static float F(float x) { return 1.0f / (1.0f + std::exp(-x)); }
  static float Grad(float, float y, float g) { return g * y * (1.0f - y); }
};

// x * sigmoid(x) (Swish-1, EfficientNet's activation).
struct SiluFn {
  static constexpr const char* kName = "SiLU";
  static float F(float x) { return x / (1.0f + std::exp(-x)); }
  static float Grad(float x, float, float g) {
    const float s = 1.0f / (1.0f + std::exp(-x));
    return g * s * (1.0f + x * (1.0f - s));
  }
};

// Every activation function: activations.cc compiles the loops below for each and gives the
// registry ActivationOp<Fn> under Fn::kName (ActivationFactories).
using ActivationFns = std::tuple<ReluFn, Relu6Fn, HardSwishFn, HardSigmoidFn, SigmoidFn, SiluFn>;

// The element-wise loops (activations.cc, compiled for each of ActivationFns): y = F(x), and
// dx = Grad(x, y, g).
template <typename Fn>
void ActivationForwardLoop(const float* x, float* y, int64_t n);
template <typename Fn>
void ActivationBackwardLoop(const float* x, const float* y, const float* g, float* dx, int64_t n);

template <typename Fn>
class ActivationOp : public Op {
 public:
  static StatusOr<std::unique_ptr<Op>> FromAttrs(const nlohmann::json&) {
    return std::unique_ptr<Op>(new ActivationOp<Fn>());
  }
  static constexpr std::string_view kType = Fn::kName;
  std::string_view type() const override { return kType; }
  bool KeepsZeroChannels() const override { return Fn::F(0.0f) == 0.0f; }
  StatusOr<Shape> InferShape(const std::vector<Shape>& in) const override {
    if (in.size() != 1) return InvalidArgument("{} takes one input, got {}", Fn::kName, in.size());
    return in[0];
  }
  void Forward(const OpContext&, const std::vector<Tensor*>& in, Tensor& out) override {
    ActivationForwardLoop<Fn>(in[0]->data(), out.data(), out.size());
  }
  void Backward(const OpContext&, const std::vector<Tensor*>& in, const Tensor& out,
                const Tensor& dy, const std::vector<Tensor*>& din) override {
    if (din[0]) ActivationBackwardLoop<Fn>(in[0]->data(), out.data(), dy.data(), din[0]->data(), out.size());
  }
};

// y = clamp(x, min, max) with bounds of the model's choosing (ONNX Clip, PyTorch's hardtanh);
// ReLU and ReLU6 are the fixed-bound cases above.
class ClipOp : public Op {
 public:
  ClipOp(float min, float max) : min_(min), max_(max) {}
  static StatusOr<std::unique_ptr<Op>> FromAttrs(const nlohmann::json& attrs);
  static constexpr std::string_view kType = "Clip";
  std::string_view type() const override { return kType; }
  nlohmann::json attrs() const override { return {{"min", min_}, {"max", max_}}; }
  bool KeepsZeroChannels() const override { return min_ <= 0.0f && max_ >= 0.0f; }
  StatusOr<Shape> InferShape(const std::vector<Shape>& in) const override {
    if (in.size() != 1) return InvalidArgument("Clip takes one input, got {}", in.size());
    return in[0];
  }
  void Forward(const OpContext& ctx, const std::vector<Tensor*>& in, Tensor& out) override;
  void Backward(const OpContext& ctx, const std::vector<Tensor*>& in, const Tensor& out, const Tensor& dy,
                const std::vector<Tensor*>& din) override;
  float min() const { return min_; }
  float max() const { return max_; }

 private:
  float min_, max_;
};

// Type name and factory of every activation op, for the registry.
std::vector<std::pair<std::string, OpFactory>> ActivationFactories();

using ReluOp = ActivationOp<ReluFn>;
using Relu6Op = ActivationOp<Relu6Fn>;
using HardSwishOp = ActivationOp<HardSwishFn>;
using HardSigmoidOp = ActivationOp<HardSigmoidFn>;
using SigmoidOp = ActivationOp<SigmoidFn>;
using SiluOp = ActivationOp<SiluFn>;

}  // namespace qforge
