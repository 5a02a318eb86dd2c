// Golden values for the table-driven int8 kernels: softmax rows (activation tables are tested
// with the unary kernels, unary_ref_test.cc).
#include "runtime/kernels/ref/lut_ref.h"

#include <gtest/gtest.h>

#include <vector>

namespace qforge::runtime::ref {
namespace {

TEST(LutRef, SoftmaxRows) {
  const ExpTable t = MakeSoftmaxExpTable(0.5);
  // Row 1: all equal -> 1/4 each -> 64 - 128 = -64. Row 2: one dominant value.
  const std::vector<int8_t> in{7, 7, 7, 7, 100, 0, 0, 0};
  std::vector<int8_t> out(8);
  Softmax(t, 2, 4, in.data(), out.data());
  EXPECT_EQ(out[0], -64);
  EXPECT_EQ(out[3], -64);
  // exp(-50) is negligible: the winner gets 256 -> clamped to 127, the rest 0 -> -128.
  EXPECT_EQ(out[4], 127);
  EXPECT_EQ(out[5], -128);
  // Two logits 1 apart at scale 0.5: e = 1, exp(-0.5) = 0.60653 -> 159.4 and 96.6.
  const std::vector<int8_t> pair{2, 1};
  std::vector<int8_t> out2(2);
  Softmax(t, 1, 2, pair.data(), out2.data());
  EXPECT_EQ(out2[0], 159 - 128);
  EXPECT_EQ(out2[1], 97 - 128);
}

}  // namespace
}  // namespace qforge::runtime::ref
