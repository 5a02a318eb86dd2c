// Dense: hand-checked values and gradients, oneDNN against the reference, the bias gradient with
// frozen weights.
#include <gtest/gtest.h>

#include "ops/dense.h"
#include "ops/op_test_harness.h"

namespace qforge::testing {
namespace {

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

}  // namespace
}  // namespace qforge::testing
