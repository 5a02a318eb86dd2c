// Small graphs for the tests of the passes that work on weights (pruning, clustering), and an op
// that only tests know (no lowering, no quantization, no runtime kernel).
#pragma once

#include <cstdint>

#include "graph/builder.h"

namespace qforge::testing {

// y = x^3: an op type no pass knows, for the tests of "unsupported node" errors.
class TestOnlyCubeOp : public Op {
 public:
  static constexpr const char* kType = "TestOnlyCube";
  static StatusOr<std::unique_ptr<Op>> FromAttrs(const nlohmann::json&) { return std::unique_ptr<Op>(new TestOnlyCubeOp()); }
  std::string_view type() const override { return kType; }
  StatusOr<Shape> InferShape(const std::vector<Shape>& in) const override { return in.at(0); }
  void Forward(const OpContext&, const std::vector<Tensor*>& in, Tensor& out) override {
    for (int64_t i = 0; i < out.size(); ++i) out[i] = (*in[0])[i] * (*in[0])[i] * (*in[0])[i];
  }
  void Backward(const OpContext&, const std::vector<Tensor*>& in, const Tensor&, const Tensor& dy,
                const std::vector<Tensor*>& din) override {
    if (din[0])
      for (int64_t i = 0; i < dy.size(); ++i) (*din[0])[i] = 3.0f * (*in[0])[i] * (*in[0])[i] * dy[i];
  }
};

// Registers TestOnlyCubeOp (once) and returns its type name.
inline std::string TestOnlyCube() {
  static const bool registered = RegisterOpType(TestOnlyCubeOp::kType, &TestOnlyCubeOp::FromAttrs).ok();
  (void)registered;
  return TestOnlyCubeOp::kType;
}

// x [4, 4, 4] -> conv1 [8, 4, 3, 3] (same padding) -> dense1 [10, 8 * 4 * 4]: two weight tensors,
// 288 and 1280 elements, initialized from `seed`.
inline Graph ConvDenseGraph(uint64_t seed) {
  GraphBuilder b(seed);
  int x = b.Input("x", {4, 4, 4});
  ConvOptions same;
  same.padding = Padding::kSame;
  x = b.Conv2D(x, 8, 3, same);
  x = b.Flatten(x);
  x = b.Dense(x, 10);
  return b.Finish({x}).value();
}

}  // namespace qforge::testing
