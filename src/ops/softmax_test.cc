// Softmax: values and gradients.
#include <gtest/gtest.h>

#include "ops/op_test_harness.h"
#include "ops/softmax.h"

namespace qforge::testing {
namespace {

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

}  // namespace
}  // namespace qforge::testing
