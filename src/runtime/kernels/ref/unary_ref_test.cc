// Golden values for the element-wise unary kernels made from one function: float per element,
// the int8 table and its lookup, int16 per element — HardSwish as the example.
#include "runtime/kernels/ref/unary_ref.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace qforge::runtime {
namespace {

struct HardSwishFn {
  template <typename Real>
  static Real F(Real x) {
    return x * std::clamp(x + Real(3), Real(0), Real(6)) / Real(6);
  }
};

TEST(UnaryRef, FloatPerElement) {
  const std::vector<float> x{-4.0f, -1.5f, 0.0f, 1.0f, 3.0f, 5.0f};
  std::vector<float> y(x.size());
  ref::Unary<HardSwishFn>(static_cast<int64_t>(x.size()), x.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{0.0f, -1.5f * 1.5f / 6.0f, 0.0f, 4.0f / 6.0f, 3.0f, 5.0f}));
}

TEST(UnaryRef, Int8TableAndLookup) {
  // Input scale 0.1, zero point 0; output scale 0.05, zero point -10.
  const Int8Table t = MakeUnaryTable<HardSwishFn>(0.1, 0, 0.05, -10);
  const std::vector<int8_t> in{-128, -30, 0, 10, 30, 127};  // -12.8, -3, 0, 1, 3, 12.7
  std::vector<int8_t> out(in.size());
  ref::Lookup(t, static_cast<int64_t>(in.size()), in.data(), out.data());
  // hardswish: 0, 0, 0, 1*4/6 = 0.6667 -> 13.33 -> 13, 3 -> 60, 12.7 -> 254 -> clamp 127.
  EXPECT_EQ(out, (std::vector<int8_t>{-10, -10, -10, 3, 50, 127}));
}

TEST(UnaryRef, Int16PerElement) {
  const std::vector<int16_t> x{1000, -4000, 5000, -1500};
  std::vector<int16_t> y(4);
  ref::Unary<HardSwishFn>(0.001, 0.001, 4, x.data(), y.data());
  // 1 * 4/6 = 0.6667 -> 667; -4 -> 0; 5 -> 5; -1.5 * 1.5/6 = -0.375 -> -375.
  EXPECT_EQ(y, (std::vector<int16_t>{667, 0, 5000, -375}));
}

}  // namespace
}  // namespace qforge::runtime
