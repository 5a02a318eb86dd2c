// Every depthwise implementation this CPU can run equals ref::DepthwiseConv2D byte for byte:
// channel counts around the vector widths (8, 16, 4 x 16), kernels 1..5, strides, dilations,
// asymmetric padding, batches, random zero points and multipliers; tensors placed against
// guard pages on either side.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "runtime/kernels/depthwise.h"
#include "runtime/kernels/guarded_buffer.h"
#include "runtime/kernels/kernel_family.h"
#include "runtime/kernels/kernel_test_util.h"
#include "runtime/kernels/ref/conv_ref.h"

namespace qforge::runtime {
namespace {

using testing::GuardedBuffer;
using testing::RandomRequant;

TEST(Depthwise, EveryIsaEqualsTheReference) {
  std::mt19937 rng(11);
  ThreadPool three(3);
  three.set_min_task_work(1);  // split even these small cases
  const std::vector<ConvGeometry> geometries =
      testing::SweepGeometries({1, 7, 8, 9, 16, 17, 33, 64, 65, 130}, {}, /*depthwise=*/true);
  for (size_t n = 0; n < geometries.size(); ++n) {
    const ConvGeometry& g = geometries[n];
    const auto guard = n % 2 ? GuardedBuffer::Guard::kAfter : GuardedBuffer::Guard::kBefore;
    GuardedBuffer in(static_cast<size_t>(g.batch) * g.in_h * g.in_w * g.in_c, guard);
    testing::FillRandom(in, rng);
    const std::vector<int8_t> filter = testing::RandomWeights(static_cast<size_t>(g.kernel_h) * g.kernel_w * g.out_c, rng);
    const std::vector<int32_t> b = testing::RandomBiases(g.out_c, 5000, rng);
    const testing::RandomRequant requant(g.out_c, rng);
    const size_t out_bytes = static_cast<size_t>(g.batch) * g.out_h * g.out_w * g.out_c;
    std::vector<int8_t> want(out_bytes);
    ref::DepthwiseConv2D(g, requant.q, in.as<int8_t>(), filter.data(), b.data(), want.data());
    for (const DepthwiseKernel* kernel : RunnableKernels(DepthwiseKernels()))
      for (ThreadPool* pool : {static_cast<ThreadPool*>(nullptr), &three}) {
        DepthwiseRunner runner(PackDepthwise(*kernel, g, filter.data(), b.data(), requant.q), pool);
        GuardedBuffer out(out_bytes, guard);
        runner.Run(in.as<int8_t>(), out.as<int8_t>());
        for (size_t i = 0; i < out_bytes; ++i)
          ASSERT_EQ(out.as<int8_t>()[i], want[i])
              << kernel->name << (pool ? " 3 threads" : " 1 thread") << " channels " << g.in_c << " kernel "
              << g.kernel_h << " stride " << g.stride_h << " dilation " << g.dilation_h << " at " << i;
      }
  }
  EXPECT_GT(geometries.size(), 100u);
}

// A damaged or hostile model can push accumulators past int32 (fuzz_qfm found a bias near
// INT32_MAX): every kernel wraps them modulo 2^32 as the reference does, on padded edges (the
// bands' path) and inside (the folded bias) alike.
TEST(Depthwise, AccumulatorsPastTheInt32RangeWrapAsInTheReference) {
  std::mt19937 rng(43);
  ConvGeometry g;
  g.in_h = g.in_w = g.out_h = g.out_w = 7;
  g.in_c = g.out_c = 33;
  g.kernel_h = g.kernel_w = 3;
  g.pad_top = g.pad_left = 1;
  const testing::OverflowingLayer layer = testing::MakeOverflowingLayer(
      static_cast<size_t>(9) * g.out_c, g.out_c, [&g](size_t i) { return static_cast<int>(i % g.out_c); }, rng);
  std::vector<int8_t> in(static_cast<size_t>(g.in_h) * g.in_w * g.in_c);
  for (auto& v : in) v = static_cast<int8_t>(rng() % 128);
  RandomRequant requant(g.out_c, rng);
  requant.q.input_zero_point = -128;
  std::vector<int8_t> want(in.size());
  ref::DepthwiseConv2D(g, requant.q, in.data(), layer.weights.data(), layer.bias.data(), want.data());
  for (const DepthwiseKernel* kernel : RunnableKernels(DepthwiseKernels())) {
    std::vector<int8_t> got(want.size());
    DepthwiseRunner(PackDepthwise(*kernel, g, layer.weights.data(), layer.bias.data(), requant.q), nullptr)
        .Run(in.data(), got.data());
    EXPECT_EQ(got, want) << kernel->name;
  }
}

}  // namespace
}  // namespace qforge::runtime
