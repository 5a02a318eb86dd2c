// float16 conversions: every half round-trips, and FloatToHalf rounds to nearest-even as the
// CPU's F16C instructions do (checked through the exact value of neighbouring halves).
#include "runtime/float16.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace qforge::runtime {
namespace {

TEST(Float16, EveryHalfRoundTrips) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = HalfToFloat(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(HalfToFloat(FloatToHalf(f)))) << h;
      continue;
    }
    EXPECT_EQ(FloatToHalf(f), h) << "half 0x" << std::hex << h;
  }
}

TEST(Float16, KnownValues) {
  EXPECT_EQ(HalfToFloat(0x3C00), 1.0f);
  EXPECT_EQ(HalfToFloat(0xC000), -2.0f);
  EXPECT_EQ(HalfToFloat(0x7BFF), 65504.0f);
  EXPECT_EQ(HalfToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7C00);  // halfway to the next binade: overflows
  EXPECT_EQ(FloatToHalf(65519.0f), 0x7BFF);
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -25)), 0x0000);  // tie with 0 and 2^-24: even (0)
  EXPECT_EQ(FloatToHalf(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(FloatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3C00);  // tie: even mantissa
  EXPECT_EQ(FloatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);
  EXPECT_EQ(FloatToHalf(-std::numeric_limits<float>::infinity()), 0xFC00);
}

// Nearest: no other half is closer to x than the chosen one (ties to even checked above).
TEST(Float16, RandomFloatsRoundToNearest) {
  const uint32_t seed = 20261126;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> log_mag(-26.0, 16.0);
  for (int i = 0; i < 200000; ++i) {
    const float x = static_cast<float>(std::exp2(log_mag(rng)) * ((rng() & 1) ? -1.0 : 1.0));
    const uint16_t h = FloatToHalf(x);
    const double err = std::fabs(static_cast<double>(HalfToFloat(h)) - x);
    for (int d : {-1, 1}) {
      const uint16_t n = static_cast<uint16_t>(h + d);
      if ((n & 0x7C00) == 0x7C00 || ((n ^ h) & 0x8000)) continue;  // inf/NaN or sign flip
      ASSERT_LE(err, std::fabs(static_cast<double>(HalfToFloat(n)) - x)) << "seed " << seed << " x " << x;
    }
  }
}

}  // namespace
}  // namespace qforge::runtime
