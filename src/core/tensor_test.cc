// Tensor: shape, size, 64-byte alignment, resizing within capacity, shape strings.
#include <gtest/gtest.h>

#include "core/tensor.h"

namespace qforge {
namespace {

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

}  // namespace
}  // namespace qforge
