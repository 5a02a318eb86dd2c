// Hand-checked goldens for the 16x8 mode's reference kernels: int16 symmetric activations,
// int8 weights, int64 bias, requantization by MultiplyByQuantizedMultiplier64 (round half up).
#include <gtest/gtest.h>

#include <vector>

#include "runtime/kernels/ref/conv_ref.h"
#include "runtime/kernels/ref/elementwise_ref.h"
#include "runtime/kernels/ref/int16_ref.h"
#include "runtime/kernels/ref/pool_ref.h"

namespace qforge::runtime::ref {
namespace {

// Multiplier 0.5 (Q31 2^30, shift 0) on one output channel; int16 bounds.
struct Half {
  int32_t multiplier = 1 << 30, shift = 0;
  Requantization q;
  Half() {
    q.multiplier = &multiplier;
    q.shift = &shift;
    q.act_min = -32768;
    q.act_max = 32767;
  }
};

TEST(Int16Ref, Conv2DRequantizesInt64AccumulatorsRoundingHalfUp) {
  ConvGeometry g;
  g.in_c = 2;
  const std::vector<int16_t> x{1000, -2000};
  const std::vector<int8_t> w{3, 5};
  Half h;
  int16_t y = 0;
  const std::vector<int64_t> bias{10001};  // 10001 + 3000 - 10000 = 3001 -> 1500.5 -> 1501
  Conv2D(g, h.q, x.data(), w.data(), bias.data(), &y);
  EXPECT_EQ(y, 1501);
  const std::vector<int64_t> negative{-16001};  // -16001 - 7000 = -23001 -> -11500.5 -> -11500
  Conv2D(g, h.q, x.data(), w.data(), negative.data(), &y);
  EXPECT_EQ(y, -11500);
  const std::vector<int64_t> huge{int64_t{1} << 20};  // saturates at 32767
  Conv2D(g, h.q, x.data(), w.data(), huge.data(), &y);
  EXPECT_EQ(y, 32767);
  h.q.act_min = 0;  // fused ReLU
  Conv2D(g, h.q, x.data(), w.data(), negative.data(), &y);
  EXPECT_EQ(y, 0);
}

TEST(Int16Ref, DepthwiseAndFullyConnected) {
  Half h;
  ConvGeometry g;  // depthwise 1x2 kernel over a 1x2 image, one channel
  g.in_w = 2;
  g.kernel_w = 2;
  const std::vector<int16_t> x{300, -100};
  const std::vector<int8_t> w{2, 7};  // [kh][kw][out_c]: 600 - 700 = -100 -> -50
  int16_t y = 0;
  DepthwiseConv2D(g, h.q, x.data(), w.data(), nullptr, &y);
  EXPECT_EQ(y, -50);
  FullyConnected(1, 2, 1, h.q, x.data(), w.data(), nullptr, &y);  // same dot product
  EXPECT_EQ(y, -50);
}

TEST(Int16Ref, AddPoolMean) {
  // 50.0 + -10.0 = 40.0 at output scale 0.5 -> 80.
  const AddParams p = MakeAddParams(0.5, 0, 0.25, 0, 0.5, 0, -32768, 32767, /*left_shift=*/15);
  const int16_t a = 100, b = -40;
  int16_t out = 0;
  Add(p, 1, &a, &b, &out);
  EXPECT_EQ(out, 80);

  ConvGeometry g;  // 1x2 window over a 1x2 image
  g.in_w = 2;
  g.kernel_w = 2;
  g.stride_w = 2;
  const std::vector<int16_t> up{1, 2}, down{-1, -2}, big{-30000, 32000};
  AvgPool(g, -32768, 32767, up.data(), &out);
  EXPECT_EQ(out, 2);  // 1.5 rounds away from zero
  AvgPool(g, -32768, 32767, down.data(), &out);
  EXPECT_EQ(out, -2);
  MaxPool(g, -32768, 32767, big.data(), &out);
  EXPECT_EQ(out, 32000);

  // Sum 1001 times 1/4 (Q31 2^30, shift -1): the doubling high multiply rounds 500.5 up to 501,
  // the shift rounds 250.5 away from zero: 251, where the exact mean is 250.25. That is double
  // rounding, the specification's (NUMERICS.md); single rounding would give 250.
  const std::vector<int16_t> pixels{100, 200, 300, 401};
  MeanParams mean = MakeMeanParams(4, 1.0, 0, 1.0, 0);
  mean.act_min = -32768;  // int16 bounds (the default bounds are int8's)
  mean.act_max = 32767;
  Mean(1, 2, 2, 1, mean, pixels.data(), &out);
  EXPECT_EQ(out, 251);
}

TEST(Int16Ref, SoftmaxQuantize) {
  const std::vector<int16_t> logits{10, 10, 5};
  std::vector<int16_t> probs(3);
  double scratch[3];
  Softmax(0.0, 1.0, 1, 3, logits.data(), probs.data(), scratch);  // scale 0: all equal, 1/3 each
  EXPECT_EQ(probs, (std::vector<int16_t>{10923, 10923, 10923}));
  Softmax(1.0, 1.0, 1, 2, logits.data(), probs.data(), scratch);  // 1/2 each -> 16384
  EXPECT_EQ(probs[0], 16384);
  Softmax(1.0, 1.0, 1, 1, logits.data(), probs.data(), scratch);  // 1.0 -> 32768 saturates
  EXPECT_EQ(probs[0], 32767);

  const std::vector<float> reals{1.23456f, -1.23456f, 100.0f, -100.0f};
  std::vector<int16_t> q(4);
  Quantize(1e-4f, 0, 4, reals.data(), q.data());
  EXPECT_EQ(q, (std::vector<int16_t>{12346, -12346, 32767, -32768}));
  std::vector<float> back(4);
  Dequantize(1e-4f, 0, 4, q.data(), back.data());
  EXPECT_FLOAT_EQ(back[0], 1.2346f);
}

}  // namespace
}  // namespace qforge::runtime::ref
