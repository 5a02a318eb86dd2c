// Hand-checked golden values for the reference Mul (same shape and per-channel gate), Requantize,
// channel gather and slice kernels, and Mul against real arithmetic on random inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "runtime/kernels/ref/channel_ref.h"
#include "runtime/kernels/ref/elementwise_ref.h"
#include "runtime/kernels/ref/mul_ref.h"

namespace qforge::runtime::ref {
namespace {

TEST(MulRef, GoldenValues) {
  // 1.5 * -2.0 = -3.0: scales 0.5 and 0.25 with zero points 10 and -4, output 0.25 around 5.
  std::vector<int8_t> a{13}, b{-12}, out(1);
  const MulParams p = MakeMulParams(0.5, 10, 0.25, -4, 0.25, 5, -128, 127);
  Mul(MulShape{}, p, a.data(), b.data(), out.data());
  EXPECT_EQ(out[0], 5 - 12);
  // A fused lower clamp (ReLU: the output zero point).
  Mul(MulShape{}, MakeMulParams(0.5, 10, 0.25, -4, 0.25, 5, 5, 127), a.data(), b.data(), out.data());
  EXPECT_EQ(out[0], 5);
  // A gate: 2 samples x 2 pixels x 3 channels times 2 x 3 gate values.
  MulShape gate{2, 2, 3, true};
  std::vector<float> x(12), g{1, 2, 3, -1, -2, -3}, y(12);
  for (int i = 0; i < 12; ++i) x[i] = static_cast<float>(i);
  Mul(gate, FloatActivation{}, x.data(), g.data(), y.data());
  EXPECT_EQ(y[4], 4 * 2.0f);    // sample 0, pixel 1, channel 1
  EXPECT_EQ(y[11], 11 * -3.0f);  // sample 1, pixel 1, channel 2
  EXPECT_EQ(y[6], 6 * -1.0f);    // sample 1, pixel 0, channel 0
}

TEST(MulRef, WithinOneStepOfRealArithmetic) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> scale(0.005, 0.05);
  for (int trial = 0; trial < 200; ++trial) {
    const double s1 = scale(rng), s2 = scale(rng), so = scale(rng) * 4;
    const int32_t z1 = static_cast<int32_t>(rng() % 256) - 128, z2 = static_cast<int32_t>(rng() % 256) - 128;
    const int32_t zo = static_cast<int32_t>(rng() % 256) - 128;
    const MulParams p = MakeMulParams(s1, z1, s2, z2, so, zo, -128, 127);
    std::vector<int8_t> a(256), b(256), out(256);
    for (int i = 0; i < 256; ++i) {
      a[i] = static_cast<int8_t>(rng());
      b[i] = static_cast<int8_t>(rng());
    }
    MulShape s;
    s.channels = 256;
    Mul(s, p, a.data(), b.data(), out.data());
    for (int i = 0; i < 256; ++i) {
      const double real = (a[i] - z1) * s1 * (b[i] - z2) * s2;
      const double want = std::clamp(std::round(real / so) + zo, -128.0, 127.0);
      EXPECT_LE(std::abs(out[i] - want), 1.0) << trial << " " << i;
    }
  }
}

TEST(RequantizeRef, MovesValuesToTheOutputGrid) {
  // 0.5 per step around 3 -> 0.25 per step around -2: q = 7 is 2.0, which is 8 steps: 6.
  RequantizeParams p;
  p.input_zero_point = 3;
  p.output_zero_point = -2;
  p.multiplier = QuantizeMultiplier(0.5 / 0.25);
  std::vector<int8_t> in{7, 127, -128}, out(3);
  Requantize(p, 3, in.data(), out.data());
  EXPECT_EQ(out[0], 6);
  EXPECT_EQ(out[1], 127);   // 124 * 2 - 2 clamps
  EXPECT_EQ(out[2], -128);  // -131 * 2 - 2 clamps
}

TEST(ChannelRef, GatherAndSliceMoveWholeElements) {
  // Two pixels of four int16 channels, shuffled as two groups: 0 2 1 3.
  std::vector<int16_t> in{10, 11, 12, 13, 20, 21, 22, 23}, out(8);
  GatherChannels(2, 4, {0, 2, 1, 3}, 2, reinterpret_cast<const uint8_t*>(in.data()),
                 reinterpret_cast<uint8_t*>(out.data()));
  EXPECT_EQ(out, (std::vector<int16_t>{10, 12, 11, 13, 20, 22, 21, 23}));
  // Channels [1, 3) of the same.
  std::vector<int16_t> slice(4);
  Slice(2, 4, 1, 3, 2, reinterpret_cast<const uint8_t*>(in.data()), reinterpret_cast<uint8_t*>(slice.data()));
  EXPECT_EQ(slice, (std::vector<int16_t>{11, 12, 21, 22}));
}

}  // namespace
}  // namespace qforge::runtime::ref
