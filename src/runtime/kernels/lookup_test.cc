// Optimized int8 table lookup (every ISA this CPU runs) equals ref::Lookup byte for byte: random
// tables, lengths around the 64-byte vector, tensors against guard pages, split ranges as
// threads take them.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "runtime/kernels/guarded_buffer.h"
#include "runtime/kernels/kernel_family.h"
#include "runtime/kernels/kernel_test_util.h"
#include "runtime/kernels/lookup.h"

namespace qforge::runtime {
namespace {

using testing::GuardedBuffer;

TEST(LookupInt8, EveryIsaEqualsTheReference) {
  std::mt19937 rng(8);
  int cases = 0;
  for (int64_t n : {1, 5, 63, 64, 65, 127, 128, 129, 1000, 4099})
    for (int trial = 0; trial < 3; ++trial, ++cases) {
      Int8Table table;
      for (int8_t& v : table) v = static_cast<int8_t>(rng());
      const auto guard = cases % 2 ? GuardedBuffer::Guard::kAfter : GuardedBuffer::Guard::kBefore;
      GuardedBuffer in(n, guard);
      testing::FillRandom(in, rng);
      std::vector<int8_t> want(n);
      ref::Lookup(table, n, in.as<int8_t>(), want.data());
      for (const LookupKernel* kernel : RunnableKernels(LookupKernels())) {
        GuardedBuffer out(n, guard);
        kernel->run(table, 0, n / 3, in.as<int8_t>(), out.as<int8_t>());
        kernel->run(table, n / 3, n, in.as<int8_t>(), out.as<int8_t>());
        for (int64_t i = 0; i < n; ++i) ASSERT_EQ(out.as<int8_t>()[i], want[i]) << kernel->name << " n " << n << " at " << i;
      }
    }
}

}  // namespace
}  // namespace qforge::runtime
