// Optimized int8 Mul (every ISA this CPU runs) equals ref::Mul byte for byte: same-shape inputs
// and per-channel gates, channel counts around the vector widths, random scales, zero points and
// fused activation bounds; tensors against guard pages.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "runtime/kernels/guarded_buffer.h"
#include "runtime/kernels/kernel_family.h"
#include "runtime/kernels/kernel_test_util.h"
#include "runtime/kernels/mul.h"

namespace qforge::runtime {
namespace {

using testing::GuardedBuffer;

TEST(MulInt8, EveryIsaEqualsTheReference) {
  std::mt19937 rng(21);
  std::uniform_int_distribution<int> byte(-128, 127);
  std::uniform_real_distribution<double> log_scale(-7.0, -3.0);
  int cases = 0;
  for (bool broadcast : {false, true})
    for (int64_t channels : {1, 7, 8, 9, 15, 16, 17, 33, 96})
      for (int64_t pixels : {1, 3, 16})
        for (int trial = 0; trial < 3; ++trial, ++cases) {
          const MulShape s{2, pixels, channels, broadcast};
          const double s1 = std::exp2(log_scale(rng)), s2 = std::exp2(log_scale(rng));
          const double so = s1 * s2 * std::exp2(std::uniform_real_distribution<double>(2.0, 9.0)(rng));
          const int32_t zo = byte(rng);
          const MulParams p = MakeMulParams(s1, byte(rng), s2, byte(rng), so, zo, trial == 1 ? std::max(-128, zo) : -128,
                                            trial == 2 ? 100 : 127);
          const int64_t n = s.samples * pixels * channels, gate_n = broadcast ? s.samples * channels : n;
          const auto guard = cases % 2 ? GuardedBuffer::Guard::kAfter : GuardedBuffer::Guard::kBefore;
          GuardedBuffer a(n, guard), b(gate_n, guard);
          testing::FillRandom(a, rng);
          testing::FillRandom(b, rng);
          std::vector<int8_t> want(n);
          ref::Mul(s, p, a.as<int8_t>(), b.as<int8_t>(), want.data());
          for (const MulKernel* kernel : RunnableKernels(MulKernels())) {
            GuardedBuffer out(n, guard);
            kernel->run(s, p, a.as<int8_t>(), b.as<int8_t>(), out.as<int8_t>());
            for (int64_t i = 0; i < n; ++i)
              ASSERT_EQ(out.as<int8_t>()[i], want[i]) << kernel->name << " channels " << channels << " pixels " << pixels
                                                      << (broadcast ? " gate" : "") << " at " << i;
          }
        }
}

}  // namespace
}  // namespace qforge::runtime
