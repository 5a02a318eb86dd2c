// BnFoldScale and ScaleChannels: values and gradients.
#include <gtest/gtest.h>

#include "ops/channel_ops.h"
#include "ops/op_test_harness.h"

namespace qforge::testing {
namespace {

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

TEST(ChannelOps, AffineChannelsScalesAndShiftsEachChannel) {
  Rng rng(12);
  std::vector<Tensor> in{RandomTensor({2, 3, 2, 2}, rng), RandomTensor({3}, rng, 0.5f, 2.0f), RandomTensor({3}, rng)};
  const Tensor y = RunForward(*MakeOp("AffineChannels"), in, {});
  EXPECT_FLOAT_EQ(y[12 + 8 + 1], in[0][12 + 8 + 1] * in[1][2] + in[2][2]);  // sample 1, channel 2
  CheckGradients(*MakeOp("AffineChannels"), in, {0, 1, 2}, {}, 1e-3f);
  std::vector<Tensor> flat{RandomTensor({4, 3}, rng), RandomTensor({3}, rng), RandomTensor({3}, rng)};
  CheckGradients(*MakeOp("AffineChannels"), flat, {0, 1, 2}, {}, 1e-3f);
  EXPECT_FALSE(MakeOp("AffineChannels")->InferShape({{-1, 4, 2, 2}, {3}, {3}}).ok());
}

}  // namespace
}  // namespace qforge::testing
