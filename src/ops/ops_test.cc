// Op tests: hand-checked values, finite-difference gradients for every op, oneDNN vs reference
// on random geometries, and attribute round trips through the registry.
#include <gtest/gtest.h>

#include "ops/activations.h"
#include "ops/batch_norm.h"
#include "ops/conv2d.h"
#include "ops/dense.h"
#include "ops/dropout.h"
#include "ops/op_test_harness.h"
#include "ops/pooling.h"
#include "ops/tensor_ops.h"

namespace qforge {
namespace {

using testing::AwayFromZero;
using testing::CheckGradients;
using testing::DistinctValues;
using testing::ExpectClose;
using testing::RandomTensor;
using testing::RunBackward;
using testing::RunForward;
using testing::RunOptions;

std::unique_ptr<Op> MakeOp(const std::string& type, const nlohmann::json& attrs = nlohmann::json::object()) {
  auto op = CreateOp(type, attrs);
  EXPECT_TRUE(op.ok()) << op.status().ToString();
  return std::move(op).value();
}

nlohmann::json ConvAttrs(int64_t k, int64_t stride, std::array<int64_t, 4> pads, int64_t dil,
                         int64_t groups) {
  Window2D w;
  w.kernel = {k, k};
  w.stride = {stride, stride};
  w.pads = pads;
  w.dilation = {dil, dil};
  auto j = WindowToJson(w);
  j["groups"] = groups;
  return j;
}

TEST(Conv2D, HandCheckedValues) {
  // 1x1x3x3 input, one 2x2 filter of ones, bias 0.5, stride 1, no padding.
  std::vector<Tensor> in{Tensor({1, 1, 3, 3}), Tensor({1, 1, 2, 2}, 1.0f), Tensor({1}, 0.5f)};
  for (int i = 0; i < 9; ++i) in[0][i] = static_cast<float>(i + 1);
  auto op = MakeOp("Conv2D", ConvAttrs(2, 1, {0, 0, 0, 0}, 1, 1));
  for (Backend b : {Backend::kReference, Backend::kFast}) {
    Tensor y = RunForward(*op, in, {b, false});
    ASSERT_EQ(y.shape(), (Shape{1, 1, 2, 2}));
    EXPECT_FLOAT_EQ(y[0], 1 + 2 + 4 + 5 + 0.5f);
    EXPECT_FLOAT_EQ(y[1], 2 + 3 + 5 + 6 + 0.5f);
    EXPECT_FLOAT_EQ(y[2], 4 + 5 + 7 + 8 + 0.5f);
    EXPECT_FLOAT_EQ(y[3], 5 + 6 + 8 + 9 + 0.5f);
  }
}

struct ConvCase {
  int64_t n, c, h, w, oc, k, stride, dil, groups;
  std::array<int64_t, 4> pads;
  bool bias;
};

const ConvCase kConvCases[] = {
    {2, 3, 7, 6, 4, 3, 1, 1, 1, {1, 1, 1, 1}, true},   // same padding
    {1, 2, 9, 9, 3, 3, 2, 1, 1, {0, 1, 1, 0}, true},   // stride 2, asymmetric pads
    {2, 4, 8, 7, 4, 3, 1, 1, 4, {1, 1, 1, 1}, false},  // depthwise
    {1, 4, 7, 7, 6, 3, 1, 2, 2, {2, 2, 2, 2}, true},   // dilation 2, groups 2
    {3, 1, 5, 5, 2, 5, 1, 1, 1, {0, 0, 0, 0}, true},   // kernel = image
    {1, 6, 5, 5, 5, 1, 1, 1, 1, {0, 0, 0, 0}, true},   // 1x1
};

std::vector<Tensor> ConvInputs(const ConvCase& c, Rng& rng) {
  std::vector<Tensor> in{RandomTensor({c.n, c.c, c.h, c.w}, rng),
                         RandomTensor({c.oc, c.c / c.groups, c.k, c.k}, rng)};
  if (c.bias) in.push_back(RandomTensor({c.oc}, rng));
  return in;
}

TEST(Conv2D, GradientsMatchFiniteDifferences) {
  Rng rng(1);
  for (const ConvCase& c : kConvCases) {
    auto op = MakeOp("Conv2D", ConvAttrs(c.k, c.stride, c.pads, c.dil, c.groups));
    std::vector<Tensor> in = ConvInputs(c, rng);
    std::vector<int> wrt{0, 1};
    if (c.bias) wrt.push_back(2);
    CheckGradients(*op, in, wrt);
  }
}

// oneDNN must agree with the reference on random geometries, forward and both backward passes.
TEST(Conv2D, OnednnMatchesReferenceOnRandomGeometries) {
  const uint64_t seed = 20261126;
  std::cout << "[ seed ] " << seed << "\n";
  Rng rng(seed);
  std::vector<ConvCase> cases(std::begin(kConvCases), std::end(kConvCases));
  for (int i = 0; i < 30; ++i) {
    ConvCase c;
    c.groups = 1 + rng.Below(3);
    c.n = 1 + rng.Below(3);
    c.c = c.groups * (1 + rng.Below(4));
    c.oc = c.groups * (1 + rng.Below(5));
    c.k = 1 + rng.Below(5);
    c.stride = 1 + rng.Below(2);
    c.dil = 1 + rng.Below(2);
    const int64_t span = c.dil * (c.k - 1) + 1;
    c.h = span + rng.Below(9);
    c.w = span + rng.Below(9);
    for (auto& p : c.pads) p = rng.Below(std::min<int64_t>(span, 3));
    c.bias = rng.Below(2);
    cases.push_back(c);
  }
  for (const ConvCase& c : cases) {
    SCOPED_TRACE(fmt::format("n{} c{} {}x{} oc{} k{} s{} d{} g{} pads {},{},{},{}", c.n, c.c, c.h,
                             c.w, c.oc, c.k, c.stride, c.dil, c.groups, c.pads[0], c.pads[1],
                             c.pads[2], c.pads[3]));
    auto ref_op = MakeOp("Conv2D", ConvAttrs(c.k, c.stride, c.pads, c.dil, c.groups));
    auto fast_op = MakeOp("Conv2D", ConvAttrs(c.k, c.stride, c.pads, c.dil, c.groups));
    std::vector<Tensor> in = ConvInputs(c, rng);
    Tensor y_ref = RunForward(*ref_op, in, {Backend::kReference});
    Tensor y_fast = RunForward(*fast_op, in, {Backend::kFast});
    ExpectClose(y_fast, y_ref, 1e-4f, 1e-4f, "forward");
    Tensor dy = RandomTensor(y_ref.shape(), rng);
    std::vector<int> wrt{0, 1};
    if (c.bias) wrt.push_back(2);
    auto g_ref = RunBackward(*ref_op, in, dy, wrt, {Backend::kReference});
    auto g_fast = RunBackward(*fast_op, in, dy, wrt, {Backend::kFast});
    for (int k : wrt) ExpectClose(g_fast[k], g_ref[k], 1e-4f, 1e-4f, fmt::format("grad {}", k));
  }
}

TEST(Conv2D, RejectsMismatchedWeights) {
  auto op = MakeOp("Conv2D", ConvAttrs(3, 1, {0, 0, 0, 0}, 1, 1));
  EXPECT_FALSE(op->InferShape({{1, 3, 8, 8}, {4, 2, 3, 3}}).ok());     // channels
  EXPECT_FALSE(op->InferShape({{1, 3, 8, 8}, {4, 3, 5, 5}}).ok());     // kernel size
  EXPECT_FALSE(op->InferShape({{1, 3, 2, 2}, {4, 3, 3, 3}}).ok());     // image too small
  EXPECT_FALSE(op->InferShape({{1, 3, 8, 8}, {4, 3, 3, 3}, {5}}).ok());  // bias
  EXPECT_FALSE(CreateOp("Conv2D", ConvAttrs(3, 0, {0, 0, 0, 0}, 1, 1)).ok());
  EXPECT_FALSE(CreateOp("Conv2D", ConvAttrs(3, 1, {0, 0, 0, 0}, 1, 0)).ok());
}

TEST(Dense, HandCheckedAndGradients) {
  std::vector<Tensor> in{Tensor({1, 2}), Tensor({2, 2}), Tensor({2})};
  in[0][0] = 1; in[0][1] = 2;
  in[1][0] = 3; in[1][1] = 4; in[1][2] = 5; in[1][3] = 6;
  in[2][0] = 0.5f; in[2][1] = -1;
  auto op = MakeOp("Dense");
  for (Backend b : {Backend::kReference, Backend::kFast}) {
    Tensor y = RunForward(*op, in, {b, false});
    EXPECT_FLOAT_EQ(y[0], 1 * 3 + 2 * 4 + 0.5f);
    EXPECT_FLOAT_EQ(y[1], 1 * 5 + 2 * 6 - 1.0f);
  }
  Rng rng(2);
  CheckGradients(*op, {RandomTensor({3, 5}, rng), RandomTensor({4, 5}, rng), RandomTensor({4}, rng)},
                 {0, 1, 2});
}

TEST(Dense, OnednnMatchesReference) {
  Rng rng(3);
  for (auto [n, k, m] : {std::array<int64_t, 3>{1, 1, 1}, {5, 17, 3}, {64, 784, 300}, {7, 33, 10}}) {
    auto ref_op = MakeOp("Dense"), fast_op = MakeOp("Dense");
    std::vector<Tensor> in{RandomTensor({n, k}, rng), RandomTensor({m, k}, rng), RandomTensor({m}, rng)};
    Tensor y_ref = RunForward(*ref_op, in, {Backend::kReference});
    ExpectClose(RunForward(*fast_op, in, {Backend::kFast}), y_ref, 1e-4f, 1e-4f, "forward");
    Tensor dy = RandomTensor(y_ref.shape(), rng);
    auto g_ref = RunBackward(*ref_op, in, dy, {0, 1, 2}, {Backend::kReference});
    auto g_fast = RunBackward(*fast_op, in, dy, {0, 1, 2}, {Backend::kFast});
    for (int i = 0; i < 3; ++i) ExpectClose(g_fast[i], g_ref[i], 1e-3f, 1e-4f, "grad");
  }
}

TEST(Dense, BiasGradientWithFrozenWeights) {
  Rng rng(4);
  for (Backend b : {Backend::kReference, Backend::kFast}) {
    auto op = MakeOp("Dense");
    std::vector<Tensor> in{RandomTensor({3, 4}, rng), RandomTensor({2, 4}, rng), RandomTensor({2}, rng)};
    Tensor dy = RandomTensor({3, 2}, rng);
    auto g = RunBackward(*op, in, dy, {2}, {b});
    EXPECT_FLOAT_EQ(g[2][0], dy[0] + dy[2] + dy[4]);
    EXPECT_FLOAT_EQ(g[2][1], dy[1] + dy[3] + dy[5]);
  }
}

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

TEST(Activations, HandCheckedValues) {
  std::vector<Tensor> in{Tensor({1, 5})};
  const float xs[] = {-4, -1, 0.5f, 4, 7};
  for (int i = 0; i < 5; ++i) in[0][i] = xs[i];
  auto relu = RunForward(*MakeOp("Relu"), in, {});
  auto relu6 = RunForward(*MakeOp("Relu6"), in, {});
  auto hswish = RunForward(*MakeOp("HardSwish"), in, {});
  auto sigmoid = RunForward(*MakeOp("Sigmoid"), in, {});
  const float want_relu[] = {0, 0, 0.5f, 4, 7}, want_relu6[] = {0, 0, 0.5f, 4, 6};
  const float want_hswish[] = {0, -1 * 2 / 6.0f, 0.5f * 3.5f / 6.0f, 4, 7};
  for (int i = 0; i < 5; ++i) {
    EXPECT_FLOAT_EQ(relu[i], want_relu[i]);
    EXPECT_FLOAT_EQ(relu6[i], want_relu6[i]);
    EXPECT_FLOAT_EQ(hswish[i], want_hswish[i]);
    EXPECT_FLOAT_EQ(sigmoid[i], 1.0f / (1.0f + std::exp(-xs[i])));
  }
}

TEST(Activations, Gradients) {
  Rng rng(6);
  for (const char* type : {"Relu", "Relu6", "HardSwish", "Sigmoid"}) {
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

nlohmann::json PoolAttrs(int64_t k, int64_t s, std::array<int64_t, 4> pads) {
  Window2D w;
  w.kernel = {k, k};
  w.stride = {s, s};
  w.pads = pads;
  return WindowToJson(w);
}

TEST(Softmax, ValuesAndGradients) {
  auto op = MakeOp("Softmax");
  std::vector<Tensor> in{Tensor({2, 3})};
  in[0][0] = 1, in[0][1] = 2, in[0][2] = 3;                 // row 0
  in[0][3] = 1000, in[0][4] = 1000, in[0][5] = -1000;       // row 1: large logits stay finite
  const Tensor y = RunForward(*op, in, {});
  const double e = std::exp(1.0), total = 1 + e + e * e;
  EXPECT_NEAR(y[0], 1 / total, 1e-6);
  EXPECT_NEAR(y[2], e * e / total, 1e-6);
  EXPECT_FLOAT_EQ(y[3], 0.5f);
  EXPECT_EQ(y[5], 0.0f);
  Rng rng(21);
  CheckGradients(*MakeOp("Softmax"), {RandomTensor({4, 5}, rng, -2, 2)}, {0}, {});
  EXPECT_FALSE(op->InferShape({{2, 3, 4, 4}}).ok());
}

TEST(Pooling, HandCheckedValues) {
  std::vector<Tensor> in{Tensor({1, 1, 3, 3})};
  for (int i = 0; i < 9; ++i) in[0][i] = static_cast<float>(i + 1);
  // 2x2 window, stride 2, one pad bottom/right: windows {1,2,4,5} {3,6} {7,8} {9}.
  Tensor mx = RunForward(*MakeOp("MaxPool", PoolAttrs(2, 2, {0, 0, 1, 1})), in, {});
  Tensor av = RunForward(*MakeOp("AvgPool", PoolAttrs(2, 2, {0, 0, 1, 1})), in, {});
  const float want_max[] = {5, 6, 8, 9}, want_avg[] = {3, 4.5f, 7.5f, 9};
  for (int i = 0; i < 4; ++i) {
    EXPECT_FLOAT_EQ(mx[i], want_max[i]);
    EXPECT_FLOAT_EQ(av[i], want_avg[i]);
  }
  Tensor gap = RunForward(*MakeOp("GlobalAvgPool"), in, {});
  ASSERT_EQ(gap.shape(), (Shape{1, 1}));
  EXPECT_FLOAT_EQ(gap[0], 5.0f);
}

TEST(Pooling, Gradients) {
  Rng rng(7);
  for (auto [k, s, pads] : {std::tuple<int64_t, int64_t, std::array<int64_t, 4>>{2, 2, {0, 0, 0, 0}},
                            {3, 2, {1, 1, 1, 1}}, {3, 1, {0, 1, 2, 0}}}) {
    CheckGradients(*MakeOp("MaxPool", PoolAttrs(k, s, pads)), {DistinctValues({2, 2, 7, 6}, rng)}, {0});
    CheckGradients(*MakeOp("AvgPool", PoolAttrs(k, s, pads)), {RandomTensor({2, 2, 7, 6}, rng)}, {0});
  }
  CheckGradients(*MakeOp("GlobalAvgPool"), {RandomTensor({2, 3, 4, 5}, rng)}, {0});
}

// Max pooling's fast path is exact: same maxima, same tie rule (first tap in row-major order).
TEST(Pooling, FastMaxPoolEqualsReferenceIncludingTies) {
  Rng rng(32);
  for (const Shape& shape : {Shape{3, 4, 24, 24}, Shape{2, 3, 9, 7}, Shape{1, 2, 2, 2}}) {
    for (auto [k, s] : {std::pair<int64_t, int64_t>{2, 2}, {3, 2}, {2, 1}}) {
      std::vector<Tensor> in{RandomTensor(shape, rng)};
      // ReLU-like inputs: many exact zeros, so windows tie.
      for (int64_t i = 0; i < in[0].size(); ++i) in[0][i] = std::max(0.0f, in[0][i]);
      auto ref_op = MakeOp("MaxPool", PoolAttrs(k, s, {0, 0, 0, 0}));
      auto fast_op = MakeOp("MaxPool", PoolAttrs(k, s, {0, 0, 0, 0}));
      Tensor y_ref = RunForward(*ref_op, in, {Backend::kReference});
      Tensor y_fast = RunForward(*fast_op, in, {Backend::kFast});
      ASSERT_EQ(y_fast.shape(), y_ref.shape());
      for (int64_t i = 0; i < y_ref.size(); ++i) ASSERT_EQ(y_fast[i], y_ref[i]);
      Tensor dy = RandomTensor(y_ref.shape(), rng);
      auto g_ref = RunBackward(*ref_op, in, dy, {0}, {Backend::kReference});
      auto g_fast = RunBackward(*fast_op, in, dy, {0}, {Backend::kFast});
      for (int64_t i = 0; i < g_ref[0].size(); ++i) ASSERT_EQ(g_fast[0][i], g_ref[0][i]) << i;
    }
  }
}

TEST(Pooling, FastMatchesReferenceOnRandomGeometries) {
  const uint64_t seed = 31;
  std::cout << "[ seed ] " << seed << "\n";
  Rng rng(seed);
  for (int trial = 0; trial < 40; ++trial) {
    const int64_t k = 1 + rng.Below(4), s = 1 + rng.Below(3);
    std::array<int64_t, 4> pads{};
    for (auto& p : pads) p = rng.Below(k);
    const Shape shape{1 + static_cast<int64_t>(rng.Below(3)), 1 + static_cast<int64_t>(rng.Below(4)),
                      k + static_cast<int64_t>(rng.Below(8)), k + static_cast<int64_t>(rng.Below(8))};
    for (const char* type : {"MaxPool", "AvgPool"}) {
      SCOPED_TRACE(fmt::format("{} {} k{} s{} pads {},{},{},{}", type, ShapeToString(shape), k, s,
                               pads[0], pads[1], pads[2], pads[3]));
      auto ref_op = MakeOp(type, PoolAttrs(k, s, pads)), fast_op = MakeOp(type, PoolAttrs(k, s, pads));
      std::vector<Tensor> in{DistinctValues(shape, rng)};
      Tensor y_ref = RunForward(*ref_op, in, {Backend::kReference});
      ExpectClose(RunForward(*fast_op, in, {Backend::kFast}), y_ref, 1e-5f, 1e-5f, "forward");
      Tensor dy = RandomTensor(y_ref.shape(), rng);
      auto g_ref = RunBackward(*ref_op, in, dy, {0}, {Backend::kReference});
      auto g_fast = RunBackward(*fast_op, in, dy, {0}, {Backend::kFast});
      ExpectClose(g_fast[0], g_ref[0], 1e-5f, 1e-5f, "backward");
    }
  }
}

TEST(TensorOps, AddConcatReshapeValuesAndGradients) {
  Rng rng(8);
  std::vector<Tensor> two{RandomTensor({2, 3, 4, 4}, rng), RandomTensor({2, 3, 4, 4}, rng)};
  Tensor sum = RunForward(*MakeOp("Add"), two, {});
  EXPECT_FLOAT_EQ(sum[17], two[0][17] + two[1][17]);
  CheckGradients(*MakeOp("Add"), two, {0, 1});

  std::vector<Tensor> cat_in{RandomTensor({2, 1, 2, 2}, rng), RandomTensor({2, 2, 2, 2}, rng)};
  Tensor cat = RunForward(*MakeOp("Concat"), cat_in, {});
  ASSERT_EQ(cat.shape(), (Shape{2, 3, 2, 2}));
  EXPECT_FLOAT_EQ(cat[4], cat_in[1][0]);       // sample 0, channel 1
  EXPECT_FLOAT_EQ(cat[12], cat_in[0][4]);      // sample 1, channel 0
  CheckGradients(*MakeOp("Concat"), cat_in, {0, 1});

  std::vector<Tensor> x{RandomTensor({2, 3, 2, 2}, rng)};
  EXPECT_EQ(RunForward(*MakeOp("Flatten"), x, {}).shape(), (Shape{2, 12}));
  EXPECT_EQ(RunForward(*MakeOp("Reshape", {{"shape", {4, -1}}}), x, {}).shape(), (Shape{2, 4, 3}));
  CheckGradients(*MakeOp("Reshape", {{"shape", {6, 2}}}), x, {0});
  EXPECT_FALSE(MakeOp("Reshape", {{"shape", {5}}})->InferShape({{2, 3, 2, 2}}).ok());
  EXPECT_FALSE(MakeOp("Add")->InferShape({{2, 3}, {2, 4}}).ok());
  EXPECT_FALSE(MakeOp("Concat")->InferShape({{2, 3, 4, 4}, {2, 3, 5, 4}}).ok());
}

TEST(ChannelOps, FoldScaleAndScaleChannelsValuesAndGradients) {
  Rng rng(10);
  std::vector<Tensor> bn{RandomTensor({3}, rng, 0.5f, 2.0f), RandomTensor({3}, rng, 0.5f, 2.0f)};
  const Tensor s = RunForward(*MakeOp("BnFoldScale", {{"eps", 1e-3}}), bn, {});
  EXPECT_FLOAT_EQ(s[1], bn[0][1] / std::sqrt(bn[1][1] + 1e-3f));
  CheckGradients(*MakeOp("BnFoldScale", {{"eps", 1e-3}}), bn, {0, 1}, {}, 1e-3f);

  // Weights [out=3, in=2, 2, 2] scaled per output channel (axis 0); activations [2, 3, 2, 2]
  // divided per channel (axis 1).
  std::vector<Tensor> w{RandomTensor({3, 2, 2, 2}, rng), RandomTensor({3}, rng, 0.5f, 2.0f)};
  const Tensor ws = RunForward(*MakeOp("ScaleChannels", {{"axis", 0}}), w, {});
  EXPECT_FLOAT_EQ(ws[8 + 5], w[0][8 + 5] * w[1][1]);
  CheckGradients(*MakeOp("ScaleChannels", {{"axis", 0}}), w, {0, 1}, {}, 1e-3f);
  std::vector<Tensor> y{RandomTensor({2, 3, 2, 2}, rng), RandomTensor({3}, rng, 0.5f, 2.0f)};
  const Tensor yd = RunForward(*MakeOp("ScaleChannels", {{"axis", 1}, {"invert", true}}), y, {});
  EXPECT_FLOAT_EQ(yd[12 + 4 + 3], y[0][12 + 4 + 3] / y[1][1]);  // sample 1, channel 1
  CheckGradients(*MakeOp("ScaleChannels", {{"axis", 1}, {"invert", true}}), y, {0, 1}, {}, 1e-3f);
  EXPECT_FALSE(MakeOp("ScaleChannels", {{"axis", 1}})->InferShape({{2, 4, 2, 2}, {3}}).ok());
  EXPECT_FALSE(CreateOp("ScaleChannels", {{"axis", 2}}).ok());
  EXPECT_FALSE(CreateOp("BnFoldScale", {{"eps", 0}}).ok());
}

TEST(Dropout, KeepsExpectationAndIsIdentityInInference) {
  Rng rng(9);
  auto op = MakeOp("Dropout", {{"rate", 0.25}});
  std::vector<Tensor> in{Tensor({1, 40000}, 1.0f)};
  Tensor y = RunForward(*op, in, {Backend::kReference, true});
  double sum = 0;
  int zeros = 0;
  for (int64_t i = 0; i < y.size(); ++i) {
    sum += y[i];
    zeros += y[i] == 0.0f;
  }
  EXPECT_NEAR(sum / y.size(), 1.0, 0.02);
  EXPECT_NEAR(zeros / 40000.0, 0.25, 0.01);
  Tensor y_inf = RunForward(*op, in, {Backend::kReference, false});
  for (int64_t i = 0; i < y_inf.size(); ++i) ASSERT_EQ(y_inf[i], 1.0f);
  CheckGradients(*op, {RandomTensor({3, 7}, rng)}, {0});
  EXPECT_FALSE(CreateOp("Dropout", {{"rate", 1.0}}).ok());
}

TEST(Registry, AttributesRoundTripAndBadInputFails) {
  for (const std::string& type : RegisteredOpTypes()) {
    nlohmann::json attrs = nlohmann::json::object();
    if (type == "Conv2D") attrs = ConvAttrs(3, 2, {1, 0, 1, 0}, 1, 1);
    if (type == "MaxPool" || type == "AvgPool") attrs = PoolAttrs(3, 2, {1, 1, 1, 1});
    if (type == "Reshape") attrs = {{"shape", {4, -1}}};
    auto op = MakeOp(type, attrs);
    auto again = MakeOp(type, op->attrs());
    EXPECT_EQ(op->attrs(), again->attrs()) << type;
    EXPECT_EQ(op->type(), type);
  }
  EXPECT_EQ(CreateOp("NoSuchOp", {}).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(CreateOp("BatchNorm", {{"eps", "x"}}).ok());
  EXPECT_FALSE(CreateOp("MaxPool", {{"kernel", {1, 2, 3}}}).ok());
  EXPECT_FALSE(CreateOp("Reshape", {{"shape", {-1, -1}}}).ok());
}

}  // namespace
}  // namespace qforge
