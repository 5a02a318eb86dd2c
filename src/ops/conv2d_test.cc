// Conv2D: hand-checked values, finite-difference gradients, oneDNN against the reference on random
// geometries, mismatched weights.
#include <gtest/gtest.h>

#include "ops/conv2d.h"
#include "ops/op_test_harness.h"

namespace qforge::testing {
namespace {

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

}  // namespace
}  // namespace qforge::testing
