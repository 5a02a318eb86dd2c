// Optimized int8 Add (every ISA this CPU runs) equals ref::Add byte for byte: lengths around
// the vector widths, random scales (input scales up to 8x apart, with and without fused
// activation bounds) and zero points; tensors against guard pages; split ranges as threads do.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "runtime/kernels/add.h"
#include "runtime/kernels/guarded_buffer.h"
#include "runtime/kernels/kernel_family.h"
#include "runtime/kernels/kernel_test_util.h"

namespace qforge::runtime {
namespace {

using testing::GuardedBuffer;

TEST(AddInt8, EveryIsaEqualsTheReference) {
  std::mt19937 rng(14);
  std::uniform_int_distribution<int> byte(-128, 127);
  std::uniform_real_distribution<double> log_scale(-6.0, -3.0);
  int cases = 0;
  for (int64_t n : {1, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1000, 4097})
    for (int trial = 0; trial < 6; ++trial, ++cases) {
      const double s1 = std::exp2(log_scale(rng)), s2 = std::exp2(log_scale(rng)), so = std::exp2(log_scale(rng) + 1.0);
      const int32_t zo = byte(rng);
      const AddParams p = MakeAddParams(s1, byte(rng), s2, byte(rng), so, zo, trial % 2 ? std::max(-128, zo) : -128,
                                        trial % 3 ? 127 : 100);
      const auto guard = cases % 2 ? GuardedBuffer::Guard::kAfter : GuardedBuffer::Guard::kBefore;
      GuardedBuffer a(n, guard), b(n, guard);
      testing::FillRandom(a, rng);
      testing::FillRandom(b, rng);
      std::vector<int8_t> want(n);
      ref::Add(p, n, a.as<int8_t>(), b.as<int8_t>(), want.data());
      for (const AddKernel* kernel : RunnableKernels(AddKernels())) {
        const AddInt8Kernel add(*kernel, p);
        GuardedBuffer out(n, guard);
        add.Run(0, n / 2, a.as<int8_t>(), b.as<int8_t>(), out.as<int8_t>());
        add.Run(n / 2, n, a.as<int8_t>(), b.as<int8_t>(), out.as<int8_t>());
        for (int64_t i = 0; i < n; ++i) ASSERT_EQ(out.as<int8_t>()[i], want[i]) << kernel->name << " n " << n << " at " << i;
      }
    }
}

}  // namespace
}  // namespace qforge::runtime
