// Max and average pooling: hand-checked values, gradients, the fast paths against the reference
// (ties included) on random geometries.
#include <gtest/gtest.h>

#include "ops/op_test_harness.h"
#include "ops/pooling.h"

namespace qforge::testing {
namespace {

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

}  // namespace
}  // namespace qforge::testing
