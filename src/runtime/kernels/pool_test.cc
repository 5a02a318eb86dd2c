// Optimized int8 max pooling (every ISA this CPU runs, and the baseline build of the same loop
// under ISA ref) equals ref::MaxPool byte for byte: windows 1..5, strides, padding, channel
// counts around the vector widths, fused-activation bounds; tensors against guard pages. The
// pixel-major MEAN equals ref::Mean.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "runtime/kernels/guarded_buffer.h"
#include "runtime/kernels/kernel_family.h"
#include "runtime/kernels/kernel_test_util.h"
#include "runtime/kernels/mean.h"
#include "runtime/kernels/pool.h"
#include "runtime/kernels/ref/pool_ref.h"

namespace qforge::runtime {
namespace {

using testing::GuardedBuffer;

TEST(MaxPool, EveryIsaEqualsTheReference) {
  std::mt19937 rng(13);
  std::uniform_int_distribution<int> byte(-128, 127);
  int checked = 0;
  std::vector<ConvGeometry> geometries = testing::SweepGeometries({1, 8, 15, 16, 17, 64, 65}, {}, /*depthwise=*/true);
  for (int c : {3, 12, 16, 17, 23, 48}) {  // 2x2 windows, stride 2 (their own path), odd sizes leave a clipped edge
    ConvGeometry g;
    g.batch = 2;
    g.in_h = 9;
    g.in_w = 8;
    g.in_c = g.out_c = c;
    g.kernel_h = g.kernel_w = g.stride_h = g.stride_w = 2;
    g.out_h = 5;  // the last row's windows are clipped to one input row (SAME padding)
    g.out_w = 4;
    geometries.push_back(g);
  }
  for (const ConvGeometry& g : geometries) {
    if (g.dilation_h != 1) continue;  // pooling windows have no dilation
    const auto guard = checked % 2 ? GuardedBuffer::Guard::kAfter : GuardedBuffer::Guard::kBefore;
    GuardedBuffer in(static_cast<size_t>(g.batch) * g.in_h * g.in_w * g.in_c, guard);
    testing::FillRandom(in, rng);
    const int32_t act_min = checked % 3 ? -128 : byte(rng) / 2, act_max = checked % 4 ? 127 : 100;
    const size_t out_bytes = static_cast<size_t>(g.batch) * g.out_h * g.out_w * g.out_c;
    std::vector<int8_t> want(out_bytes);
    ref::MaxPool(g, act_min, act_max, in.as<int8_t>(), want.data());
    for (const MaxPoolKernel* kernel : RunnableKernels(MaxPoolKernels())) {
      GuardedBuffer out(out_bytes, guard);
      const int rows = g.batch * g.out_h;
      kernel->run(g, act_min, act_max, in.as<int8_t>(), out.as<int8_t>(), 0, rows / 2);
      kernel->run(g, act_min, act_max, in.as<int8_t>(), out.as<int8_t>(), rows / 2, rows);
      for (size_t i = 0; i < out_bytes; ++i)
        ASSERT_EQ(out.as<int8_t>()[i], want[i]) << kernel->name << " channels " << g.in_c << " window "
                                                << g.kernel_h << " stride " << g.stride_h << " at " << i;
    }
    ++checked;
  }
  EXPECT_GT(checked, 40);
}

TEST(Mean, EveryIsaEqualsTheReference) {
  std::mt19937 rng(16);
  std::uniform_int_distribution<int> byte(-128, 127);
  for (int c : {1, 7, 9, 16, 17, 33, 65, 255, 256, 257, 600})
    for (int hw : {1, 7, 49}) {
      const int batch = 3;
      const MeanParams p = MakeMeanParams(hw, 0.02 + 0.001 * c, byte(rng), 0.015, byte(rng));
      GuardedBuffer in(static_cast<size_t>(batch) * hw * c, GuardedBuffer::Guard::kAfter);
      testing::FillRandom(in, rng);
      std::vector<int8_t> want(static_cast<size_t>(batch) * c), got(want.size());
      ref::Mean(batch, hw, 1, c, p, in.as<int8_t>(), want.data());
      for (const MeanKernel* kernel : RunnableKernels(MeanKernels())) {
        kernel->run(0, 1, hw, 1, c, p, in.as<int8_t>(), got.data());
        kernel->run(1, batch, hw, 1, c, p, in.as<int8_t>(), got.data());
        ASSERT_EQ(got, want) << kernel->name << " channels " << c << " pixels " << hw;
      }
    }
}

}  // namespace
}  // namespace qforge::runtime
