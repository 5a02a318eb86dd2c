// ChannelShuffle and SliceChannels: which input channel lands where, and gradients.
#include <gtest/gtest.h>

#include "ops/op_test_harness.h"

namespace qforge::testing {
namespace {

TEST(ChannelLayout, ShuffleInterleavesTheGroups) {
  Rng rng(3);
  std::vector<Tensor> x{RandomTensor({2, 6, 2, 3}, rng)};
  Tensor y = RunForward(*MakeOp("ChannelShuffle", {{"groups", 2}}), x, {});
  ASSERT_EQ(y.shape(), x[0].shape());
  // [g0: 0 1 2 | g1: 3 4 5] -> 0 3 1 4 2 5, as PyTorch's view(n, 2, 3, h, w).transpose(1, 2)
  const int source[] = {0, 3, 1, 4, 2, 5};
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 6; ++c)
      for (int i = 0; i < 6; ++i) EXPECT_EQ(y[(n * 6 + c) * 6 + i], x[0][(n * 6 + source[c]) * 6 + i]);
  CheckGradients(*MakeOp("ChannelShuffle", {{"groups", 3}}), x, {0});
  EXPECT_FALSE(MakeOp("ChannelShuffle", {{"groups", 4}})->InferShape({{-1, 6, 2, 3}}).ok());
  EXPECT_FALSE(CreateOp("ChannelShuffle", {{"groups", 0}}).ok());
}

TEST(ChannelLayout, SliceTakesAChannelRange) {
  Rng rng(4);
  std::vector<Tensor> x{RandomTensor({2, 5, 3, 2}, rng)};
  Tensor y = RunForward(*MakeOp("SliceChannels", {{"begin", 1}, {"end", 4}}), x, {});
  ASSERT_EQ(y.shape(), (Shape{2, 3, 3, 2}));
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 6; ++i) EXPECT_EQ(y[(n * 3 + c) * 6 + i], x[0][(n * 5 + c + 1) * 6 + i]);
  CheckGradients(*MakeOp("SliceChannels", {{"begin", 2}, {"end", 5}}), x, {0});
  EXPECT_FALSE(MakeOp("SliceChannels", {{"begin", 2}, {"end", 6}})->InferShape({{-1, 5, 3, 2}}).ok());
  EXPECT_FALSE(CreateOp("SliceChannels", {{"begin", 3}, {"end", 3}}).ok());
}

}  // namespace
}  // namespace qforge::testing
