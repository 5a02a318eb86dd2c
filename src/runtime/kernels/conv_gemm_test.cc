// Convolution as GEMM (1x1 direct and im2col, on every ISA this CPU runs, on 1 and 3 threads)
// equals ref::Conv2D byte for byte: input channels around the 4-byte groups, output channels
// around the column tiles, kernels, strides, dilations and padding from SweepGeometries;
// tensors placed against guard pages on either side.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "runtime/kernels/conv_gemm.h"
#include "runtime/kernels/guarded_buffer.h"
#include "runtime/kernels/kernel_test_util.h"
#include "runtime/kernels/ref/conv_ref.h"

namespace qforge::runtime {
namespace {

using testing::GuardedBuffer;

TEST(ConvGemm, EveryIsaAndThreadCountEqualsTheReference) {
  std::mt19937 rng(12);
  const std::vector<ConvGeometry> geometries =
      testing::SweepGeometries({1, 3, 4, 5, 16, 33}, {1, 15, 16, 17, 48, 50}, /*depthwise=*/false);
  ThreadPool three(3);
  int direct = 0, word_rows = 0;
  for (size_t n = 0; n < geometries.size(); ++n) {
    const ConvGeometry& g = geometries[n];
    const auto guard = n % 2 ? GuardedBuffer::Guard::kAfter : GuardedBuffer::Guard::kBefore;
    GuardedBuffer in(static_cast<size_t>(g.batch) * g.in_h * g.in_w * g.in_c, guard);
    testing::FillRandom(in, rng);
    const int k = g.kernel_h * g.kernel_w * g.in_c;
    const std::vector<int8_t> filter = testing::RandomWeights(static_cast<size_t>(g.out_c) * k, rng);
    const std::vector<int32_t> b = testing::RandomBiases(g.out_c, 5000, rng);
    const testing::RandomRequant requant(g.out_c, rng);
    const size_t out_bytes = static_cast<size_t>(g.batch) * g.out_h * g.out_w * g.out_c;
    std::vector<int8_t> want(out_bytes);
    ref::Conv2D(g, requant.q, in.as<int8_t>(), filter.data(), b.data(), want.data());
    for (Isa isa : testing::RunnableIsas()) {
      for (ThreadPool* pool : {static_cast<ThreadPool*>(nullptr), &three}) {
        ConvGemm conv(g, isa, filter.data(), b.data(), requant.q, pool);
        word_rows += conv.word_rows();
        direct += conv.direct();
        GuardedBuffer out(out_bytes, guard);
        conv.Run(in.as<int8_t>(), out.as<int8_t>());
        for (size_t i = 0; i < out_bytes; ++i)
          ASSERT_EQ(out.as<int8_t>()[i], want[i]) << IsaName(isa) << (pool ? " 3 threads" : " 1 thread") << " in_c "
                                                  << g.in_c << " out_c " << g.out_c << " kernel " << g.kernel_h
                                                  << " stride " << g.stride_h << " dilation " << g.dilation_h << " at " << i;
      }
    }
  }
  EXPECT_GT(direct, 0);
  EXPECT_GT(word_rows, 0);
  EXPECT_GT(geometries.size(), 60u);
}

}  // namespace
}  // namespace qforge::runtime
