// quant_math tests: each primitive against its mathematical definition, computed exactly with
// 128-bit integers, on edge cases (INT32_MIN/MAX, exact ties, every shift 0..31) and on
// random inputs.
#include "runtime/quant_math.h"
#include "runtime/quant_grid.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <utility>
#include <vector>

namespace qforge::runtime {
namespace {

using i128 = __int128;
constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
constexpr int32_t kMax = std::numeric_limits<int32_t>::max();

i128 FloorDiv(i128 a, i128 b) {  // b > 0
  i128 q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}

// floor(a*b / 2^31 + 1/2), saturated to int32.
int32_t ExactRoundedHighMul(int32_t a, int32_t b) {
  const i128 v = FloorDiv(2 * static_cast<i128>(a) * b + (i128{1} << 31), i128{1} << 32);
  return v > kMax ? kMax : static_cast<int32_t>(v);
}

// x / 2^e rounded to nearest, ties away from zero.
int32_t ExactDivideByPOTHalfAway(int32_t x, int e) {
  if (e == 0) return x;
  const i128 mag = x < 0 ? -static_cast<i128>(x) : x;
  const i128 r = (mag + (i128{1} << (e - 1))) >> e;
  return static_cast<int32_t>(x < 0 ? -r : r);
}

const std::vector<int32_t> kEdges{kMin, kMin + 1, -(1 << 30) - 1, -(1 << 30), -(1 << 30) + 1,
                                  -65536, -3, -2, -1, 0, 1, 2, 3, 65536, (1 << 30) - 1,
                                  1 << 30, (1 << 30) + 1, kMax - 1, kMax};

TEST(QuantMath, SaturatingRoundingDoublingHighMulIsRoundHalfUp) {
  for (int32_t a : kEdges)
    for (int32_t b : kEdges)
      ASSERT_EQ(SaturatingRoundingDoublingHighMul(a, b), ExactRoundedHighMul(a, b)) << a << " * " << b;
  // Exact ties: a*b/2^31 = +-0.5, +-1.5 round up (toward +infinity), as gemmlowp does.
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(1, 1 << 30), 1);
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(-1, 1 << 30), 0);
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(3, 1 << 30), 2);
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(-3, 1 << 30), -1);
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(kMin, kMin), kMax);
  const uint64_t seed = 5;
  std::cout << "[ seed ] " << seed << "\n";
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 1000000; ++i) {
    const auto a = static_cast<int32_t>(rng()), b = static_cast<int32_t>(rng());
    ASSERT_EQ(SaturatingRoundingDoublingHighMul(a, b), ExactRoundedHighMul(a, b)) << a << " * " << b;
  }
}

TEST(QuantMath, RoundingDivideByPOTIsRoundHalfAwayForEveryShift) {
  std::mt19937_64 rng(6);
  for (int e = 0; e <= 31; ++e) {
    for (int32_t x : kEdges) ASSERT_EQ(RoundingDivideByPOT(x, e), ExactDivideByPOTHalfAway(x, e)) << x << " >> " << e;
    if (e > 0 && e < 31) {
      // Exact ties (2k+1) * 2^(e-1), both signs.
      for (int32_t k : {0, 1, 2, 7}) {
        const int64_t wide = int64_t{2 * k + 1} << (e - 1);
        if (wide > std::numeric_limits<int32_t>::max()) continue;  // not an int32
        const auto tie = static_cast<int32_t>(wide);
        EXPECT_EQ(RoundingDivideByPOT(tie, e), k + 1) << tie << " >> " << e;
        EXPECT_EQ(RoundingDivideByPOT(-tie, e), -(k + 1)) << -tie << " >> " << e;
      }
    }
    for (int i = 0; i < 20000; ++i) {
      const auto x = static_cast<int32_t>(rng());
      ASSERT_EQ(RoundingDivideByPOT(x, e), ExactDivideByPOTHalfAway(x, e)) << x << " >> " << e;
    }
  }
}

TEST(QuantMath, QuantizeMultiplierEncodesWithinHalfAnUlpOfQ31) {
  EXPECT_EQ(QuantizeMultiplier(0.0).multiplier, 0);
  EXPECT_EQ(QuantizeMultiplier(1e-12).multiplier, 0);  // below 2^-32: zero
  const QuantizedMultiplier one = QuantizeMultiplier(1.0);
  EXPECT_EQ(one.multiplier, 1 << 30);
  EXPECT_EQ(one.shift, 1);
  const QuantizedMultiplier half = QuantizeMultiplier(0.5);
  EXPECT_EQ(half.multiplier, 1 << 30);
  EXPECT_EQ(half.shift, 0);
  // q just below 1 rounds up to 2^31: renormalized to 2^30 with shift + 1.
  const QuantizedMultiplier almost = QuantizeMultiplier(std::nextafter(1.0, 0.0));
  EXPECT_EQ(almost.multiplier, 1 << 30);
  EXPECT_EQ(almost.shift, 1);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(-30.0, 20.0);
  for (int i = 0; i < 100000; ++i) {
    const double m = std::pow(2.0, exponent(rng));
    const QuantizedMultiplier q = QuantizeMultiplier(m);
    ASSERT_GE(q.multiplier, 1 << 30);
    const double decoded = q.multiplier * std::ldexp(1.0, q.shift - 31);
    ASSERT_LE(std::abs(decoded - m), std::ldexp(1.0, q.shift - 32) * 1.0000001) << m;
  }
}

TEST(QuantMath, MultiplyByQuantizedMultiplierIsTheDoubleRoundingComposition) {
  std::mt19937_64 rng(8);
  std::uniform_real_distribution<double> exponent(-20.0, 0.0);
  for (int i = 0; i < 200000; ++i) {
    const double m = std::pow(2.0, exponent(rng));
    const QuantizedMultiplier q = QuantizeMultiplier(m);
    const auto x = static_cast<int32_t>(static_cast<int64_t>(rng() % (1u << 24)) - (1 << 23));
    const int left = std::max(q.shift, 0), right = std::max(-q.shift, 0);
    const int32_t expected = ExactDivideByPOTHalfAway(ExactRoundedHighMul(x * (1 << left), q.multiplier), right);
    ASSERT_EQ(MultiplyByQuantizedMultiplier(x, q), expected) << x << " * " << m;
    // Double rounding stays within one unit of the real product.
    ASSERT_LE(std::abs(expected - x * m), 1.0) << x << " * " << m;
  }
}

// 16x8 requantization: round-half-up of x * m15 / 2^(15 - shift) with m15 = the Q31 multiplier
// rounded to Q15 (saturating at 2^15 - 1), exactly, on edge values and random int64 inputs.
TEST(QuantMath, MultiplyByQuantizedMultiplier64IsOneRoundingOfTheQ15Product) {
  auto exact = [](int64_t x, int32_t multiplier, int shift) {
    const i128 m15 = multiplier < 0x7FFF0000 ? (static_cast<i128>(multiplier) + (1 << 15)) >> 16 : 0x7FFF;
    return static_cast<int32_t>(FloorDiv(static_cast<i128>(x) * m15 * 2 + (i128{1} << (15 - shift)),
                                         i128{1} << (16 - shift)));
  };
  EXPECT_EQ(MultiplyByQuantizedMultiplier64(3, 1 << 30, 0), 2);    // 1.5 rounds up
  EXPECT_EQ(MultiplyByQuantizedMultiplier64(-3, 1 << 30, 0), -1);  // -1.5 rounds up too
  EXPECT_EQ(MultiplyByQuantizedMultiplier64(int64_t{1} << 40, 1 << 30, -20), 1 << 19);
  EXPECT_EQ(MultiplyByQuantizedMultiplier64(100, kMax, 0), 100);  // saturated Q15 mantissa
  std::mt19937_64 rng(9);
  for (int i = 0; i < 200000; ++i) {
    const auto x = static_cast<int64_t>(rng() % (uint64_t{1} << 47)) - (int64_t{1} << 46);
    const int shift = static_cast<int>(rng() % 39) - 31;  // -31..7
    const auto multiplier = static_cast<int32_t>((1u << 30) + rng() % (1u << 30));
    ASSERT_EQ(MultiplyByQuantizedMultiplier64(x, multiplier, shift), exact(x, multiplier, shift))
        << x << " " << multiplier << " " << shift;
  }
}

// A range with NaN or infinite bounds (a diverged or damaged tensor, as a dynamic-range layer
// can be fed) still gives a zero point on the grid; a finite range keeps its usual one.
TEST(QuantGrid, ARangeThatIsNotFiniteGivesAZeroPointOnTheGrid) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  for (const auto& [lo, hi] : std::vector<std::pair<float, float>>{{nan, 1.0f}, {-1.0f, nan}, {nan, nan}, {-inf, 1.0f},
                                                                   {-1.0f, inf}, {-inf, inf}}) {
    const GridParams g = AsymmetricGrid(lo, hi, -128, 127);
    EXPECT_GE(g.zero_point, -128) << lo << " " << hi;
    EXPECT_LE(g.zero_point, 127) << lo << " " << hi;
    EXPECT_EQ(QuantizeToInt8(inf, g.scale, g.zero_point), std::isfinite(g.scale) ? 127 : g.zero_point) << lo << " " << hi;
  }
  EXPECT_EQ(QuantizeToInt8(std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(), 5), 5);
  const GridParams g = AsymmetricGrid(-1.0f, 3.0f, -128, 127);
  EXPECT_FLOAT_EQ(g.scale, 4.0f / 255.0f);
  EXPECT_EQ(g.zero_point, -64);  // round(-128 + 1 / (4 / 255)) = round(-64.25)
}

}  // namespace
}  // namespace qforge::runtime
