// Core tests: Status/StatusOr, tensors, the generator's determinism and distribution.
#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.h"
#include "core/status.h"
#include "core/tensor.h"

namespace qforge {
namespace {

StatusOr<int> Half(int x) {
  if (x % 2) return InvalidArgument("{} is odd", x);
  return x / 2;
}

Status UseHalf(int x, int* out) {
  QF_ASSIGN_OR_RETURN(*out, Half(x));
  return Status::Ok();
}

TEST(Status, CarriesCodeAndMessage) {
  EXPECT_TRUE(Status::Ok().ok());
  Status s = InvalidArgument("bad {}", 3);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.ToString(), "invalid argument: bad 3");
  int v = 0;
  EXPECT_TRUE(UseHalf(4, &v).ok());
  EXPECT_EQ(v, 2);
  EXPECT_EQ(UseHalf(3, &v).message(), "3 is odd");
}

TEST(Tensor, ShapeSizeAndResizeKeepCapacity) {
  Tensor t({2, 3, 4}, 1.5f);
  EXPECT_EQ(t.size(), 24);
  EXPECT_EQ(t[23], 1.5f);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data()) % 64, 0u);
  const float* before = t.data();
  t.Resize({2, 3});
  EXPECT_EQ(t.size(), 6);
  t.Resize({4, 6});
  EXPECT_EQ(t.data(), before);
  t.Reshape({24});
  EXPECT_EQ(t.shape(), Shape{24});
  EXPECT_EQ(ShapeToString({-1, 3}), "[N, 3]");
}

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
