// Add, Mul, Concat, Reshape: values and gradients.
#include <gtest/gtest.h>

#include "ops/op_test_harness.h"
#include "ops/tensor_ops.h"

namespace qforge::testing {
namespace {

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

TEST(TensorOps, MulOfOneShapeAndByAChannelGate) {
  Rng rng(9);
  std::vector<Tensor> two{RandomTensor({2, 3, 4, 4}, rng), RandomTensor({2, 3, 4, 4}, rng)};
  Tensor prod = RunForward(*MakeOp("Mul"), two, {});
  EXPECT_FLOAT_EQ(prod[21], two[0][21] * two[1][21]);
  CheckGradients(*MakeOp("Mul"), two, {0, 1});

  std::vector<Tensor> gated{RandomTensor({2, 3, 4, 5}, rng), RandomTensor({2, 3, 1, 1}, rng)};
  Tensor y = RunForward(*MakeOp("Mul"), gated, {});
  ASSERT_EQ(y.shape(), (Shape{2, 3, 4, 5}));
  EXPECT_FLOAT_EQ(y[(1 * 3 + 2) * 20 + 7], gated[0][(1 * 3 + 2) * 20 + 7] * gated[1][1 * 3 + 2]);
  CheckGradients(*MakeOp("Mul"), gated, {0, 1});
  EXPECT_FALSE(MakeOp("Mul")->InferShape({{-1, 3, 4, 5}, {-1, 3, 4, 1}}).ok());
  EXPECT_FALSE(MakeOp("Mul")->InferShape({{-1, 3, 1, 1}, {-1, 3, 4, 5}}).ok());  // the gate is second
}

}  // namespace
}  // namespace qforge::testing
