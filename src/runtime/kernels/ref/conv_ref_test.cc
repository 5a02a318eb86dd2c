// Hand-checked golden values for the reference int8 convolution kernels: zero points,
// padding, per-channel multipliers, right shifts with ties, fused ReLU clamps.
#include "runtime/kernels/ref/conv_ref.h"

#include <gtest/gtest.h>

#include <vector>

#include "runtime/quant_math.h"

namespace qforge::runtime::ref {
namespace {

struct PerChannel {
  std::vector<int32_t> multiplier, shift;
  PerChannel(std::initializer_list<double> ms) {
    for (double m : ms) {
      const QuantizedMultiplier q = QuantizeMultiplier(m);
      multiplier.push_back(q.multiplier);
      shift.push_back(q.shift);
    }
  }
  Requantization With(int32_t in_zp, int32_t out_zp, int32_t act_min = -128, int32_t act_max = 127) const {
    return {in_zp, out_zp, act_min, act_max, multiplier.data(), shift.data()};
  }
};

TEST(FullyConnectedRef, GoldenValues) {
  const std::vector<int8_t> input{10, -5, 0};  // minus zero point 2: 8, -7, -2
  const std::vector<int8_t> filter{1, 2, 3, -1, 0, 1};
  const std::vector<int32_t> bias{100, -4};    // acc = 88, -14
  std::vector<int8_t> out(2);
  PerChannel half{0.5, 0.5};
  FullyConnected(1, 3, 2, half.With(2, -10), input.data(), filter.data(), bias.data(), out.data());
  EXPECT_EQ(out[0], 44 - 10);
  EXPECT_EQ(out[1], -7 - 10);
  // Fused ReLU: lower bound is the output zero point.
  FullyConnected(1, 3, 2, half.With(2, -10, -10, 127), input.data(), filter.data(), bias.data(), out.data());
  EXPECT_EQ(out[1], -10);
  // m = 0.25 (a right shift): 88 -> 22; ties round away from zero in the shift.
  PerChannel quarter{0.25, 0.25};
  const std::vector<int32_t> tie_bias{98, -4};  // acc = 86 -> 21.5 -> 22; -14 -> -3.5 -> -4
  FullyConnected(1, 3, 2, quarter.With(2, 0), input.data(), filter.data(), tie_bias.data(), out.data());
  EXPECT_EQ(out[0], 22);
  EXPECT_EQ(out[1], -4);
  // Saturation at the int8 range.
  PerChannel big{8.0, 8.0};
  FullyConnected(1, 3, 2, big.With(2, 0), input.data(), filter.data(), bias.data(), out.data());
  EXPECT_EQ(out[0], 127);
  EXPECT_EQ(out[1], -112);
}

TEST(Conv2DRef, GoldenValuesWithAndWithoutPadding) {
  std::vector<int8_t> input(9);
  for (int i = 0; i < 9; ++i) input[i] = static_cast<int8_t>(i + 1);  // minus zp 1: 0..8
  const std::vector<int8_t> filter(4, 1);                              // 2x2 ones, OHWI
  PerChannel one{1.0};
  ConvGeometry g{.batch = 1, .in_h = 3, .in_w = 3, .in_c = 1, .out_h = 2, .out_w = 2, .out_c = 1,
                 .kernel_h = 2, .kernel_w = 2};
  std::vector<int8_t> out(4);
  Conv2D(g, one.With(1, 0), input.data(), filter.data(), nullptr, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{8, 12, 20, 24}));
  // One pixel of padding on every side: 4x4 output; padding contributes nothing (reads zp).
  g.out_h = g.out_w = 4;
  g.pad_top = g.pad_left = 1;
  out.assign(16, 0);
  Conv2D(g, one.With(1, 0), input.data(), filter.data(), nullptr, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{0, 1, 3, 2, 3, 8, 12, 7, 9, 20, 24, 13, 6, 13, 15, 8}));
  // Stride 2, two output channels with their own multipliers and a bias.
  const std::vector<int8_t> filter2{1, 1, 1, 1, 1, 0, 0, -1};
  const std::vector<int32_t> bias{1, 0};
  PerChannel two{0.5, 1.0};
  ConvGeometry g2{.batch = 1, .in_h = 3, .in_w = 3, .in_c = 1, .out_h = 1, .out_w = 1,
                  .out_c = 2, .kernel_h = 2, .kernel_w = 2, .stride_h = 2, .stride_w = 2};
  out.assign(2, 0);
  Conv2D(g2, two.With(1, 5), input.data(), filter2.data(), bias.data(), out.data());
  EXPECT_EQ(out[0], (8 + 1) / 2 + 1 + 5);  // 4.5 rounds up to 5 in the high multiply
  EXPECT_EQ(out[1], 0 - 4 + 5);
}

TEST(DepthwiseConv2DRef, GoldenValuesWithDepthMultiplier) {
  const std::vector<int8_t> input{5, -3};  // minus zp -1: 6, -2
  const std::vector<int8_t> filter{1, 2, -3, 4};
  const std::vector<int32_t> bias{0, 0, 0, 1};
  PerChannel ones{1.0, 1.0, 1.0, 0.5};
  const ConvGeometry g{.batch = 1, .in_h = 1, .in_w = 1, .in_c = 2, .out_h = 1, .out_w = 1, .out_c = 4};
  std::vector<int8_t> out(4);
  DepthwiseConv2D(g, ones.With(-1, 3), input.data(), filter.data(), bias.data(), out.data());
  // acc = 6, 12, 6, -7; the last channel's multiplier 0.5 gives -3.5 -> -3 (rounds up).
  EXPECT_EQ(out, (std::vector<int8_t>{9, 15, 9, 0}));
}

}  // namespace
}  // namespace qforge::runtime::ref
