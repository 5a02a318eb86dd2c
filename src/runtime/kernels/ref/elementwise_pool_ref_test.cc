// Hand-checked golden values for the reference int8 Add, Quantize, Dequantize, MaxPool,
// AvgPool, Mean and Concatenation kernels, plus Add and Requantize (int8 <-> int16) against real
// arithmetic on random inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "runtime/kernels/ref/concat_ref.h"
#include "runtime/kernels/ref/elementwise_ref.h"
#include "runtime/kernels/ref/pool_ref.h"

namespace qforge::runtime::ref {
namespace {

TEST(AddRef, GoldenValues) {
  // 1.5 + 1.5 = 3.0: input scales 0.5 and 0.25, output scale 0.5.
  std::vector<int8_t> a{3}, b{6}, out(1);
  Add(MakeAddParams(0.5, 0, 0.25, 0, 0.5, 0), 1, a.data(), b.data(), out.data());
  EXPECT_EQ(out[0], 6);
  // The same reals through zero points 10, -4 and 7.
  a = {13};
  b = {2};
  Add(MakeAddParams(0.5, 10, 0.25, -4, 0.5, 7), 1, a.data(), b.data(), out.data());
  EXPECT_EQ(out[0], 13);
  // Fused ReLU6-style upper clamp.
  Add(MakeAddParams(0.5, 10, 0.25, -4, 0.5, 7, 7, 10), 1, a.data(), b.data(), out.data());
  EXPECT_EQ(out[0], 10);
}

TEST(AddRef, WithinOneStepOfRealArithmetic) {
  std::mt19937 rng(9);
  std::uniform_real_distribution<double> scale(0.001, 0.1);
  for (int trial = 0; trial < 200; ++trial) {
    const double s1 = scale(rng), s2 = scale(rng), so = scale(rng) * 2;
    const int32_t z1 = static_cast<int32_t>(rng() % 256) - 128, z2 = static_cast<int32_t>(rng() % 256) - 128;
    const int32_t zo = static_cast<int32_t>(rng() % 256) - 128;
    const AddParams p = MakeAddParams(s1, z1, s2, z2, so, zo);
    std::vector<int8_t> a(256), b(256), out(256);
    for (int i = 0; i < 256; ++i) {
      a[i] = static_cast<int8_t>(i - 128);
      b[i] = static_cast<int8_t>(rng() % 256 - 128);
    }
    Add(p, 256, a.data(), b.data(), out.data());
    for (int i = 0; i < 256; ++i) {
      const double real = (a[i] - z1) * s1 + (b[i] - z2) * s2;
      const double want = std::clamp(std::round(real / so) + zo, -128.0, 127.0);
      ASSERT_LE(std::abs(out[i] - want), 1.0) << "trial " << trial << " i " << i;
    }
  }
}

TEST(QuantizeRef, RoundsHalfAwayClampsAndMapsNaNToZeroPoint) {
  const std::vector<float> x{1.25f, -1.25f, 1000.0f, std::numeric_limits<float>::quiet_NaN(),
                             -std::numeric_limits<float>::infinity(), 0.0f};
  std::vector<int8_t> q(x.size());
  Quantize(0.5f, -1, static_cast<int64_t>(x.size()), x.data(), q.data());
  EXPECT_EQ(q, (std::vector<int8_t>{2, -4, 127, -1, -128, -1}));
  std::vector<float> back(2);
  Dequantize(0.5f, -1, 2, q.data(), back.data());
  EXPECT_FLOAT_EQ(back[0], 1.5f);
  EXPECT_FLOAT_EQ(back[1], -1.5f);
}

// Requantization between int8 and int16 grids (a mixed-precision model's boundaries): every
// value within one step of round((q - zp) s / s') + zp', the type's range clamped, and exact
// (the double rounding agreeing with real rounding) on nearly all values.
template <typename In, typename Out>
void CheckRequantize(double scale_in, int32_t zp_in, double scale_out, int32_t zp_out) {
  RequantizeParams p;
  p.input_zero_point = zp_in;
  p.output_zero_point = zp_out;
  p.multiplier = QuantizeMultiplier(scale_in / scale_out);
  p.min = std::numeric_limits<Out>::min();
  p.max = std::numeric_limits<Out>::max();
  std::vector<In> in;
  for (int64_t q = std::numeric_limits<In>::min(); q <= std::numeric_limits<In>::max(); q += sizeof(In) == 1 ? 1 : 7)
    in.push_back(static_cast<In>(q));
  std::vector<Out> out(in.size());
  Requantize(p, static_cast<int64_t>(in.size()), in.data(), out.data());
  size_t exact = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const double real = std::round((in[i] - zp_in) * scale_in / scale_out) + zp_out;
    const double want = std::clamp<double>(real, p.min, p.max);
    EXPECT_LE(std::fabs(out[i] - want), 1.0) << in[i];
    exact += out[i] == want;
  }
  EXPECT_GE(exact, in.size() * 99 / 100);
}

TEST(RequantizeRef, BetweenInt8AndInt16) {
  CheckRequantize<int8_t, int16_t>(0.05, -3, 0.001, 0);     // finer: a left shift
  CheckRequantize<int16_t, int8_t>(0.0007, 0, 0.04, 12);   // coarser, clamped at both ends
  CheckRequantize<int8_t, int8_t>(0.02, 5, 0.03, -7);
  CheckRequantize<int16_t, int16_t>(0.001, 0, 0.0003, 0);  // saturates int16
}

TEST(PoolRef, MaxAndAvgGoldenValues) {
  // NHWC 1x2x3x2: channel 0 = 1..6, channel 1 = -1..-6.
  std::vector<int8_t> in;
  for (int i = 1; i <= 6; ++i) {
    in.push_back(static_cast<int8_t>(i));
    in.push_back(static_cast<int8_t>(-i));
  }
  // 2x2 windows, stride 2, one column of right padding: windows {1,2,4,5} and {3,6}.
  const ConvGeometry g{.batch = 1, .in_h = 2, .in_w = 3, .in_c = 2, .out_h = 1, .out_w = 2,
                       .out_c = 2, .kernel_h = 2, .kernel_w = 2, .stride_h = 2, .stride_w = 2};
  std::vector<int8_t> out(4);
  MaxPool(g, -128, 127, in.data(), out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{5, -1, 6, -3}));
  AvgPool(g, -128, 127, in.data(), out.data());
  // 12/4 = 3; -12/4 = -3; 9/2 = 4.5 -> 5; -9/2 = -4.5 -> -5 (ties away from zero).
  EXPECT_EQ(out, (std::vector<int8_t>{3, -3, 5, -5}));
  MaxPool(g, 0, 127, in.data(), out.data());  // fused ReLU clamp
  EXPECT_EQ(out, (std::vector<int8_t>{5, 0, 6, 0}));
}

TEST(PoolRef, MeanGoldenValues) {
  const std::vector<int8_t> in{1, 2, 3, 4};
  std::vector<int8_t> out(1);
  Mean(1, 2, 2, 1, MakeMeanParams(4, 1.0, 0, 1.0, 0), in.data(), out.data());
  EXPECT_EQ(out[0], 3);  // 2.5 rounds away from zero
  // Reals 0, 1, 2, 3 (scale 0.5, zero point 2) averaged into scale 0.25, zero point 1.
  const std::vector<int8_t> in2{2, 4, 6, 8};
  Mean(1, 2, 2, 1, MakeMeanParams(4, 0.5, 2, 0.25, 1), in2.data(), out.data());
  EXPECT_EQ(out[0], 7);
}

TEST(ConcatRef, ChannelsOfNhwc) {
  // Two pixels; input A has 1 channel, B has 2: output pixels are [a, b0, b1].
  const std::vector<uint8_t> a{1, 2}, b{10, 11, 20, 21};
  std::vector<uint8_t> out(6);
  Concatenation(2, {1, 2}, {a.data(), b.data()}, out.data());
  EXPECT_EQ(out, (std::vector<uint8_t>{1, 10, 11, 2, 20, 21}));
}

}  // namespace
}  // namespace qforge::runtime::ref
