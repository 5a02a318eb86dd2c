// Dropout: the expectation kept in training, identity in inference.
#include <gtest/gtest.h>

#include "ops/dropout.h"
#include "ops/op_test_harness.h"

namespace qforge::testing {
namespace {

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

}  // namespace
}  // namespace qforge::testing
