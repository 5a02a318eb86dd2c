// The optimized two-group channel shuffle (every ISA this CPU runs) equals ref::GatherChannels
// byte for byte: channel counts around the 16-byte step, tensors against guard pages.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "runtime/kernels/guarded_buffer.h"
#include "runtime/kernels/kernel_family.h"
#include "runtime/kernels/kernel_test_util.h"
#include "runtime/kernels/ref/channel_ref.h"
#include "runtime/kernels/shuffle.h"

namespace qforge::runtime {
namespace {

using testing::GuardedBuffer;

TEST(ShuffleTwoGroups, EveryIsaEqualsTheReference) {
  std::mt19937 rng(12);
  int cases = 0;
  for (int64_t channels : {2, 6, 30, 32, 34, 48, 232})
    for (int64_t pixels : {1, 5, 64}) {
      std::vector<int32_t> source(channels);
      for (int64_t k = 0; k < channels; ++k) source[k] = static_cast<int32_t>((k % 2) * (channels / 2) + k / 2);
      const int64_t n = pixels * channels;
      const auto guard = ++cases % 2 ? GuardedBuffer::Guard::kAfter : GuardedBuffer::Guard::kBefore;
      GuardedBuffer in(n, guard);
      testing::FillRandom(in, rng);
      std::vector<uint8_t> want(n);
      ref::GatherChannels(pixels, channels, source, 1, in.as<uint8_t>(), want.data());
      for (const ShuffleKernel* kernel : RunnableKernels(ShuffleKernels())) {
        GuardedBuffer out(n, guard);
        kernel->run(pixels, channels, in.as<uint8_t>(), out.as<uint8_t>());
        for (int64_t i = 0; i < n; ++i)
          ASSERT_EQ(out.as<uint8_t>()[i], want[i]) << kernel->name << " channels " << channels << " at " << i;
      }
    }
}

}  // namespace
}  // namespace qforge::runtime
