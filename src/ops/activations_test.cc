// Activation ops (ReLU, ReLU6, HardSwish, HardSigmoid, Sigmoid, SiLU): hand-checked values and gradients.
#include <gtest/gtest.h>

#include "ops/activations.h"
#include "ops/op_test_harness.h"

namespace qforge::testing {
namespace {

TEST(Activations, HandCheckedValues) {
  std::vector<Tensor> in{Tensor({1, 5})};
  const float xs[] = {-4, -1, 0.5f, 4, 7};
  for (int i = 0; i < 5; ++i) in[0][i] = xs[i];
  auto relu = RunForward(*MakeOp("Relu"), in, {});
  auto relu6 = RunForward(*MakeOp("Relu6"), in, {});
  auto hswish = RunForward(*MakeOp("HardSwish"), in, {});
  auto sigmoid = RunForward(*MakeOp("Sigmoid"), in, {});
  auto hsigmoid = RunForward(*MakeOp("HardSigmoid"), in, {});
  auto silu = RunForward(*MakeOp("SiLU"), in, {});
  const float want_relu[] = {0, 0, 0.5f, 4, 7}, want_relu6[] = {0, 0, 0.5f, 4, 6};
  const float want_hswish[] = {0, -1 * 2 / 6.0f, 0.5f * 3.5f / 6.0f, 4, 7};
  const float want_hsigmoid[] = {0, 2 / 6.0f, 3.5f / 6.0f, 1, 1};
  for (int i = 0; i < 5; ++i) {
    EXPECT_FLOAT_EQ(relu[i], want_relu[i]);
    EXPECT_FLOAT_EQ(relu6[i], want_relu6[i]);
    EXPECT_FLOAT_EQ(hswish[i], want_hswish[i]);
    EXPECT_FLOAT_EQ(sigmoid[i], 1.0f / (1.0f + std::exp(-xs[i])));
    EXPECT_FLOAT_EQ(hsigmoid[i], want_hsigmoid[i]);
    EXPECT_FLOAT_EQ(silu[i], xs[i] / (1.0f + std::exp(-xs[i])));
  }
}

TEST(Activations, Gradients) {
  Rng rng(6);
  for (const char* type : {"Relu", "Relu6", "HardSwish", "HardSigmoid", "Sigmoid", "SiLU"}) {
    // Scaled by 5 so Relu6 and HardSwish see both flat and sloped parts; AwayFromZero keeps the
    // points off the kinks at 0, +-3 and 6 by at least h.
    Tensor x = AwayFromZero({2, 3, 4, 5}, rng, 0.05f);
    for (int64_t i = 0; i < x.size(); ++i) {
      x[i] *= 5.0f;
      for (float kink : {-3.0f, 3.0f, 6.0f})
        if (std::abs(x[i] - kink) < 0.05f) x[i] += 0.1f;
    }
    CheckGradients(*MakeOp(type), {x}, {0});
  }
}

TEST(Activations, ClipToChosenBounds) {
  std::vector<Tensor> in{Tensor({1, 4})};
  const float xs[] = {-3, -0.5f, 1.5f, 4};
  for (int i = 0; i < 4; ++i) in[0][i] = xs[i];
  const Tensor y = RunForward(*MakeOp("Clip", {{"min", -1.0}, {"max", 2.0}}), in, {});
  const float want[] = {-1, -0.5f, 1.5f, 2};
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(y[i], want[i]);
  Rng rng(8);
  Tensor x = AwayFromZero({2, 3, 4, 4}, rng, 0.05f);
  for (int64_t i = 0; i < x.size(); ++i) {
    x[i] *= 3.0f;
    for (float kink : {-1.0f, 2.0f})
      if (std::abs(x[i] - kink) < 0.05f) x[i] += 0.1f;
  }
  CheckGradients(*MakeOp("Clip", {{"min", -1.0}, {"max", 2.0}}), {x}, {0});
  EXPECT_FALSE(CreateOp("Clip", {{"min", 1.0}, {"max", 1.0}}).ok());
  EXPECT_TRUE(MakeOp("Clip", {{"min", -1.0}, {"max", 2.0}})->KeepsZeroChannels());
  EXPECT_FALSE(MakeOp("Clip", {{"min", 0.5}, {"max", 2.0}})->KeepsZeroChannels());
}

}  // namespace
}  // namespace qforge::testing
