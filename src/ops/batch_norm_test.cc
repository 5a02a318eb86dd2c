// BatchNorm: training statistics, gradients in training and inference, the fast path against the
// reference, the fused ReLU, the input scale of batch-norm folding.
#include <gtest/gtest.h>

#include "ops/batch_norm.h"
#include "ops/op_test_harness.h"

namespace qforge::testing {
namespace {

std::vector<Tensor> BatchNormInputs(const Shape& x_shape, Rng& rng) {
  const int64_t c = x_shape[1];
  return {RandomTensor(x_shape, rng, -2, 3), RandomTensor({c}, rng, 0.5f, 1.5f),
          RandomTensor({c}, rng), RandomTensor({c}, rng), RandomTensor({c}, rng, 0.5f, 2.0f)};
}

TEST(BatchNorm, TrainingNormalizesAndUpdatesRunningStats) {
  auto op = MakeOp("BatchNorm", {{"eps", 0.0001}, {"momentum", 0.5}});
  // One channel, values 1, 2, 3, 6: mean 3, biased var 3.5, unbiased var 14/3.
  std::vector<Tensor> in{Tensor({4, 1}), Tensor({1}, 2.0f), Tensor({1}, 1.0f), Tensor({1}, 1.0f),
                         Tensor({1}, 1.0f)};
  in[0][0] = 1; in[0][1] = 2; in[0][2] = 3; in[0][3] = 6;
  Tensor y = RunForward(*op, in, {Backend::kReference, true});
  EXPECT_NEAR(y[0], 2.0 * (1 - 3) / std::sqrt(3.5 + 1e-4) + 1.0, 1e-5);
  EXPECT_NEAR(in[3][0], 0.5 * 1 + 0.5 * 3, 1e-6);
  EXPECT_NEAR(in[4][0], 0.5 * 1 + 0.5 * 14.0 / 3.0, 1e-5);
  // Inference uses the running statistics.
  Tensor y_inf = RunForward(*op, in, {Backend::kReference, false});
  EXPECT_NEAR(y_inf[0], 2.0 * (1 - in[3][0]) / std::sqrt(in[4][0] + 1e-4) + 1.0, 1e-5);
}

TEST(BatchNorm, GradientsTrainingAndInference) {
  Rng rng(5);
  for (const Shape& shape : {Shape{4, 3, 3, 2}, Shape{6, 5}}) {
    for (bool training : {true, false}) {
      auto op = MakeOp("BatchNorm");
      RunOptions o;
      o.training = training;
      CheckGradients(*op, BatchNormInputs(shape, rng), {0, 1, 2}, o);
    }
  }
}

TEST(BatchNorm, FastMatchesReference) {
  Rng rng(15);
  for (const Shape& shape : {Shape{8, 3, 5, 7}, Shape{64, 16, 24, 24}, Shape{5, 9}, Shape{2, 4, 1, 1}}) {
    for (bool training : {true, false}) {
      auto ref_op = MakeOp("BatchNorm"), fast_op = MakeOp("BatchNorm");
      std::vector<Tensor> ref_in = BatchNormInputs(shape, rng), fast_in = ref_in;
      Tensor y_ref = RunForward(*ref_op, ref_in, {Backend::kReference, training});
      Tensor y_fast = RunForward(*fast_op, fast_in, {Backend::kFast, training});
      ExpectClose(y_fast, y_ref, 1e-4f, 1e-4f, "forward");
      ExpectClose(fast_in[3], ref_in[3], 1e-5f, 1e-5f, "running mean");
      ExpectClose(fast_in[4], ref_in[4], 1e-5f, 1e-4f, "running var");
      Tensor dy = RandomTensor(y_ref.shape(), rng);
      auto g_ref = RunBackward(*ref_op, ref_in, dy, {0, 1, 2}, {Backend::kReference, training});
      auto g_fast = RunBackward(*fast_op, fast_in, dy, {0, 1, 2}, {Backend::kFast, training});
      for (int k = 0; k < 3; ++k)
        ExpectClose(g_fast[k], g_ref[k], 2e-4f, 1e-3f, fmt::format("grad {} training {}", k, training));
    }
  }
}

// BatchNorm with fuse_relu is BatchNorm followed by Relu: the same values; the same gradients
// (exactly on the reference path; the fast kernel's masked reductions may vectorize in another
// order, so there to float rounding).
TEST(BatchNorm, FusedReluEqualsBatchNormThenRelu) {
  Rng rng(17);
  for (Backend backend : {Backend::kReference, Backend::kFast}) {
    for (bool training : {true, false}) {
      const RunOptions o{backend, training};
      std::vector<Tensor> in = BatchNormInputs({8, 3, 5, 4}, rng), in_fused = in;
      auto bn = MakeOp("BatchNorm"), relu = MakeOp("Relu");
      auto fused = MakeOp("BatchNorm", {{"fuse_relu", true}});
      Tensor y_bn = RunForward(*bn, in, o);
      std::vector<Tensor> relu_in{y_bn};
      Tensor y = RunForward(*relu, relu_in, o);
      Tensor y_fused = RunForward(*fused, in_fused, o);
      for (int64_t i = 0; i < y.size(); ++i) ASSERT_EQ(y_fused[i], y[i]);
      Tensor dy = RandomTensor(y.shape(), rng);
      Tensor d_relu = RunBackward(*relu, relu_in, dy, {0}, o)[0];
      auto g = RunBackward(*bn, in, d_relu, {0, 1, 2}, o);
      auto g_fused = RunBackward(*fused, in_fused, dy, {0, 1, 2}, o);
      for (int k = 0; k < 3; ++k) {
        if (backend == Backend::kReference) {
          for (int64_t i = 0; i < g[k].size(); ++i) ASSERT_EQ(g_fused[k][i], g[k][i]) << k << " " << i;
        } else {
          ExpectClose(g_fused[k], g[k], 1e-6f, 1e-5f, fmt::format("fast grad {}", k));
        }
      }
    }
  }
}

// With input_scale s the op is BatchNorm(x / s): values, running statistics and gradients (of
// s too) equal ScaleChannels(invert) followed by BatchNorm, in training and inference, with and
// without the fused ReLU, on both backends. A large eps makes s's gradient visible.
TEST(BatchNorm, InputScaleEqualsDividingFirst) {
  Rng rng(18);
  for (Backend backend : {Backend::kReference, Backend::kFast}) {
    for (bool training : {true, false}) {
      for (bool relu : {false, true}) {
        const RunOptions o{backend, training};
        const nlohmann::json attrs{{"eps", 0.3}, {"fuse_relu", relu}};
        std::vector<Tensor> in = BatchNormInputs({6, 3, 4, 5}, rng);
        const Tensor scale = RandomTensor({3}, rng, 0.4f, 2.5f);
        std::vector<Tensor> divide_in{in[0], scale};
        auto divide = MakeOp("ScaleChannels", {{"axis", 1}, {"invert", true}});
        std::vector<Tensor> two_ops = in;
        two_ops[0] = RunForward(*divide, divide_in, o);
        std::vector<Tensor> fused = in;
        fused.push_back(scale);
        auto bn = MakeOp("BatchNorm", attrs), bn_scaled = MakeOp("BatchNorm", attrs);
        const Tensor y = RunForward(*bn, two_ops, o);
        const Tensor y_scaled = RunForward(*bn_scaled, fused, o);
        const std::string what = fmt::format("backend {} training {} relu {}", static_cast<int>(backend), training, relu);
        ExpectClose(y_scaled, y, 1e-5f, 1e-4f, "forward " + what);
        ExpectClose(fused[3], two_ops[3], 1e-6f, 1e-5f, "running mean " + what);
        ExpectClose(fused[4], two_ops[4], 1e-6f, 1e-5f, "running var " + what);
        const Tensor dy = RandomTensor(y.shape(), rng);
        const auto g = RunBackward(*bn, two_ops, dy, {0, 1, 2}, o);
        const auto g_div = RunBackward(*divide, divide_in, g[0], {0, 1}, o);
        const auto g_scaled = RunBackward(*bn_scaled, fused, dy, {0, 1, 2, 5}, o);
        ExpectClose(g_scaled[0], g_div[0], 1e-5f, 1e-3f, "dx " + what);
        ExpectClose(g_scaled[1], g[1], 1e-5f, 1e-3f, "dgamma " + what);
        ExpectClose(g_scaled[2], g[2], 1e-5f, 1e-3f, "dbeta " + what);
        ExpectClose(g_scaled[5], g_div[1], 1e-5f, 1e-3f, "dscale " + what);
      }
    }
  }
}

TEST(BatchNorm, InputScaleGradientsMatchFiniteDifferences) {
  Rng rng(19);
  for (bool training : {true, false}) {
    std::vector<Tensor> in = BatchNormInputs({4, 3, 3, 2}, rng);
    in.push_back(RandomTensor({3}, rng, 0.5f, 2.0f));
    RunOptions o;
    o.training = training;
    CheckGradients(*MakeOp("BatchNorm", {{"eps", 0.5}}), in, {0, 1, 2, 5}, o);
  }
  EXPECT_FALSE(MakeOp("BatchNorm")->InferShape({{2, 3}, {3}, {3}, {3}, {3}, {4}}).ok());
}

// A mean far from zero must not cancel the variance away in the fast kernel's single pass.
TEST(BatchNorm, FastHandlesLargeMean) {
  Rng rng(16);
  std::vector<Tensor> in = BatchNormInputs({16, 2, 6, 6}, rng);
  for (int64_t i = 0; i < in[0].size(); ++i) in[0][i] = 1000.0f + in[0][i] * 0.01f;
  std::vector<Tensor> in_fast = in;
  auto ref_op = MakeOp("BatchNorm"), fast_op = MakeOp("BatchNorm");
  Tensor y_ref = RunForward(*ref_op, in, {Backend::kReference, true});
  Tensor y_fast = RunForward(*fast_op, in_fast, {Backend::kFast, true});
  ExpectClose(y_fast, y_ref, 2e-2f, 1e-2f, "forward with mean 1000, std ~0.03");
}

}  // namespace
}  // namespace qforge::testing
