// Convolution as GEMM (1x1 direct, padded runs and im2col, on every ISA this CPU runs, on 1 and
// 3 threads; a 4-bit filter on the sub-byte kernels, a pruned copy on the sparse kernel) equals
// ref::Conv2D byte for byte: input channels around the 4-byte groups, output channels
// around the column tiles, kernels, strides, dilations and padding from SweepGeometries;
// tensors placed against guard pages on either side.
#include <gtest/gtest.h>

#include <array>
#include <random>
#include <vector>

#include "runtime/kernels/conv_gemm.h"
#include "runtime/kernels/guarded_buffer.h"
#include "runtime/kernels/kernel_family.h"
#include "runtime/kernels/kernel_test_util.h"
#include "runtime/kernels/ref/conv_ref.h"

namespace qforge::runtime {
namespace {

using testing::GuardedBuffer;

TEST(ConvGemm, EveryIsaAndThreadCountEqualsTheReference) {
  std::mt19937 rng(12);
  std::vector<ConvGeometry> geometries =
      testing::SweepGeometries({1, 3, 4, 5, 16, 33}, {1, 15, 16, 17, 48, 50}, /*depthwise=*/false);
  // Rows wider than a register tile (first layers on one channel, like lenet5's and
  // mobilenet's), and strides and dilations that differ between height and width.
  for (const auto& [in_c, kernel, stride_h, stride_w, dilation_h, pad] : std::vector<std::array<int, 6>>{
           {1, 5, 1, 1, 1, 0}, {1, 3, 1, 1, 1, 1}, {3, 3, 2, 1, 1, 1}, {16, 3, 1, 2, 2, 2}, {8, 3, 2, 2, 3, 0}}) {
    ConvGeometry g;
    g.batch = 2;
    g.in_h = g.in_w = 28;
    g.in_c = in_c;
    g.out_c = 16;
    g.kernel_h = g.kernel_w = kernel;
    g.stride_h = stride_h;
    g.stride_w = stride_w;
    g.dilation_h = dilation_h;
    g.pad_top = g.pad_left = pad;
    g.out_h = (g.in_h + 2 * pad - (kernel - 1) * dilation_h - 1) / stride_h + 1;
    g.out_w = (g.in_w + 2 * pad - kernel) / stride_w + 1;
    geometries.push_back(g);
  }
  ThreadPool three(3);
  three.set_min_task_work(1);  // split even these small cases
  int direct = 0, word_rows = 0, segmented = 0, sparse = 0;
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
    // Runs `conv` and compares its output with `want`.
    auto check = [&](ConvGemm& conv, const char* name, ThreadPool* pool) {
      GuardedBuffer out(out_bytes, guard);
      conv.Run(in.as<int8_t>(), out.as<int8_t>());
      for (size_t i = 0; i < out_bytes; ++i)
        ASSERT_EQ(out.as<int8_t>()[i], want[i]) << name << (pool ? " 3 threads" : " 1 thread") << " in_c " << g.in_c
                                                << " out_c " << g.out_c << " kernel " << g.kernel_h << " stride "
                                                << g.stride_h << " dilation " << g.dilation_h << " at " << i;
    };
    for (const GemmKernel* kernel : RunnableKernels(GemmKernels())) {
      for (ThreadPool* pool : {static_cast<ThreadPool*>(nullptr), &three}) {
        ConvGemm conv(g, *kernel, filter.data(), b.data(), requant.q, pool);
        word_rows += conv.word_rows();
        direct += conv.direct();
        segmented += conv.segmented();
        check(conv, kernel->name, pool);
      }
    }
    // A filter on a 4-bit grid, on the kernels that take it packed two per byte.
    const std::vector<int8_t> nibbles = testing::RandomWeightsIn(filter.size(), -8, 7, rng);
    ref::Conv2D(g, requant.q, in.as<int8_t>(), nibbles.data(), b.data(), want.data());
    for (const GemmKernel* kernel : RunnableKernels(SubByteGemmKernels()))
      for (ThreadPool* pool : {static_cast<ThreadPool*>(nullptr), &three}) {
        ConvGemm conv(g, *kernel, nibbles.data(), b.data(), requant.q, pool);
        check(conv, kernel->name, pool);
      }
    // The filter pruned (80% of its 1x4 blocks along the flattened taps, and single weights).
    std::vector<int8_t> pruned = filter;
    for (size_t i = 0; i < pruned.size(); ++i)
      if ((i / 4) * 2654435761u % 10 < 8 || rng() % 3 == 0) pruned[i] = 0;
    ref::Conv2D(g, requant.q, in.as<int8_t>(), pruned.data(), b.data(), want.data());
    for (const SparseGemmKernel* kernel : RunnableKernels(SparseGemmKernels())) {
      if (!ConvGemm::SparseFits(g)) break;
      for (ThreadPool* pool : {static_cast<ThreadPool*>(nullptr), &three}) {
        ConvGemm conv(g, *kernel, pruned.data(), b.data(), requant.q, pool);
        sparse += conv.sparse();
        check(conv, kernel->name, pool);
      }
    }
    if (HasFailure()) return;
  }
  if (!RunnableKernels(SparseGemmKernels()).empty()) {
    EXPECT_GT(sparse, 0);
  }
  if (!RunnableKernels(GemmKernels()).empty()) {  // a build without optimized kernels has none to test
    EXPECT_GT(direct, 0);
    EXPECT_GT(word_rows, 0);
  }
  for (const GemmKernel* kernel : RunnableKernels(GemmKernels())) {
    if (kernel->takes_segments) {
      EXPECT_GT(segmented, 0);
    }
  }
  EXPECT_GT(geometries.size(), 60u);
}

}  // namespace
}  // namespace qforge::runtime
