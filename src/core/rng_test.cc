// Rng: the generator's determinism and distribution, derived seeds.
#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.h"

namespace qforge {
namespace {

TEST(Rng, DeterministicAndWellDistributed) {
  Rng a(42), b(42), c(43);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.NextU64(), b.NextU64());
  EXPECT_NE(a.NextU64(), c.NextU64());
  Rng r(1);
  double sum = 0, sq = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const float x = r.Normal();
    sum += x;
    sq += x * x;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sq / n, 1.0, 0.02);
  for (int i = 0; i < 1000; ++i) {
    const float u = r.Uniform();
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
  }
  EXPECT_NE(DeriveSeed(1, 0), DeriveSeed(1, 1));
}

}  // namespace
}  // namespace qforge
