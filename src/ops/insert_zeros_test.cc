// InsertZeros: where the pixels land, zeros between them, and gradients.
#include <gtest/gtest.h>

#include "ops/op_test_harness.h"

namespace qforge::testing {
namespace {

TEST(InsertZeros, SpreadsPixelsAndGathersGradients) {
  std::vector<Tensor> x{Tensor({1, 1, 2, 2})};
  for (int i = 0; i < 4; ++i) x[0][i] = static_cast<float>(i + 1);
  Tensor y = RunForward(*MakeOp("InsertZeros", {{"stride", {2, 3}}}), x, {});
  ASSERT_EQ(y.shape(), (Shape{1, 1, 3, 4}));
  const std::vector<float> want{1, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 4};
  EXPECT_EQ(std::vector<float>(y.data(), y.data() + y.size()), want);
  Rng rng(5);
  std::vector<Tensor> r{RandomTensor({2, 3, 3, 4}, rng)};
  CheckGradients(*MakeOp("InsertZeros", {{"stride", {2, 2}}}), r, {0});
  EXPECT_FALSE(CreateOp("InsertZeros", {{"stride", {0, 2}}}).ok());
  EXPECT_FALSE(CreateOp("InsertZeros", {{"stride", "x"}}).ok());
  EXPECT_FALSE(MakeOp("InsertZeros", {{"stride", {2, 2}}})->InferShape({{-1, 4}}).ok());
}

}  // namespace
}  // namespace qforge::testing
