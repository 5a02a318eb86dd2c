// Every float kernel set this CPU can run against the reference (kernels/ref/float_ref.h), on
// random shapes including odd sizes, one thread and three, tensors against guard pages:
// GEMM, convolutions (1x1 direct, padded runs, im2col) and depthwise convolutions within
// 1e-5 of the sum of their terms' magnitudes (fused multiply-adds from the bias round
// differently); pooling, Add and Mean equal to the reference.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "runtime/kernels/float_conv.h"
#include "runtime/kernels/float_kernels.h"
#include "runtime/kernels/guarded_buffer.h"
#include "runtime/kernels/kernel_family.h"
#include "runtime/kernels/kernel_test_util.h"

namespace qforge::runtime {
namespace {

using testing::GuardedBuffer;

// A guarded buffer of n floats, uniform in [-1, 1].
struct Floats {
  Floats(size_t n, GuardedBuffer::Guard guard, std::mt19937& rng) : buffer(n * sizeof(float), guard), size(n) {
    std::uniform_real_distribution<float> value(-1.0f, 1.0f);
    for (size_t i = 0; i < n; ++i) data()[i] = value(rng);
  }
  float* data() { return buffer.as<float>(); }
  std::vector<float> Abs() {
    std::vector<float> a(data(), data() + size);
    for (float& v : a) v = std::abs(v);
    return a;
  }
  GuardedBuffer buffer;
  size_t size;
};

std::vector<float> RandomVector(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = value(rng);
  return v;
}

std::vector<float> Abs(std::vector<float> v) {
  for (float& x : v) x = std::abs(x);
  return v;
}

// No activation, ReLU or a ReLU6-like clamp.
ref::FloatActivation RandomActivation(std::mt19937& rng) {
  ref::FloatActivation act;
  const int kind = static_cast<int>(rng() % 3);
  if (kind > 0) act.min = 0.0f;
  if (kind == 2) act.max = 0.5f;
  return act;
}

// |got - want| <= 1e-5 * magnitude + 1e-6 everywhere: magnitude is the output of the same
// operation on |inputs|, |weights|, |bias| (the sum of the terms' magnitudes).
void ExpectClose(const float* got, const std::vector<float>& want, const std::vector<float>& magnitude,
                 const std::string& what) {
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_LE(std::abs(got[i] - want[i]), 1e-5f * magnitude[i] + 1e-6f) << what << " at " << i;
}

void ExpectEqual(const float* got, const std::vector<float>& want, const std::string& what) {
  for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(got[i], want[i]) << what << " at " << i;
}

std::string Name(const FloatKernels& kernel, const ThreadPool* pool) {
  return std::string(kernel.name) + (pool ? " 3 threads" : " 1 thread");
}

TEST(FloatKernels, ThereIsAnOptimizedSetWhereTheCpuHasOne) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "the float kernels are x86 only";
#endif
  if (SupportedIsa() == Isa::kRef) GTEST_SKIP() << "no x86 kernels built or supported";
  EXPECT_FALSE(RunnableKernels(FloatKernelSets()).empty());
}

TEST(FloatKernels, GemmIsCloseToTheReference) {
  std::mt19937 rng(21);
  ThreadPool three(3);
  three.set_min_task_work(1);
  const ref::FloatActivation none;
  for (int m : {1, 5, 12, 13, 50, 97})
    for (int n : {1, 7, 16, 17, 33, 64, 70})
      for (int k : {1, 3, 16, 25, 100}) {
        const auto guard = (m + n + k) % 2 ? GuardedBuffer::Guard::kAfter : GuardedBuffer::Guard::kBefore;
        Floats a(static_cast<size_t>(m) * k, guard, rng);
        const std::vector<float> w = RandomVector(static_cast<size_t>(n) * k, rng), b = RandomVector(n, rng);
        const ref::FloatActivation act = RandomActivation(rng);
        std::vector<float> want(static_cast<size_t>(m) * n), magnitude(want.size());
        ref::FullyConnected(m, k, n, act, a.data(), w.data(), b.data(), want.data());
        ref::FullyConnected(m, k, n, none, a.Abs().data(), Abs(w).data(), Abs(b).data(), magnitude.data());
        for (const FloatKernels* kernel : RunnableKernels(FloatKernelSets()))
          for (ThreadPool* pool : {static_cast<ThreadPool*>(nullptr), &three}) {
            const FloatGemmWeights packed = PackFloatGemm(*kernel, n, k, w.data(), b.data(), act);
            GuardedBuffer out(want.size() * sizeof(float), guard);
            RunGemmOnPool(pool, packed, m, a.data(), k, out.as<float>(), n);
            ExpectClose(out.as<float>(), want, magnitude,
                        Name(*kernel, pool) + " m " + std::to_string(m) + " n " + std::to_string(n) + " k " +
                            std::to_string(k));
          }
      }
}

TEST(FloatKernels, ConvolutionIsCloseToTheReference) {
  std::mt19937 rng(22);
  ThreadPool three(3);
  three.set_min_task_work(1);
  const ref::FloatActivation none;
  std::vector<ConvGeometry> geometries = testing::SweepGeometries({1, 3, 8, 17}, {1, 5, 16, 33}, false);
  ConvGeometry pointwise;  // 1x1 direct: stride 1, no padding
  pointwise.batch = 2, pointwise.in_h = 5, pointwise.in_w = 7, pointwise.in_c = 19;
  pointwise.out_h = 5, pointwise.out_w = 7, pointwise.out_c = 21;
  geometries.push_back(pointwise);
  for (size_t n = 0; n < geometries.size(); ++n) {
    const ConvGeometry& g = geometries[n];
    const auto guard = n % 2 ? GuardedBuffer::Guard::kAfter : GuardedBuffer::Guard::kBefore;
    Floats in(static_cast<size_t>(g.batch) * g.in_h * g.in_w * g.in_c, guard, rng);
    const std::vector<float> filter = RandomVector(static_cast<size_t>(g.out_c) * g.kernel_h * g.kernel_w * g.in_c, rng);
    const std::vector<float> b = RandomVector(g.out_c, rng);
    const ref::FloatActivation act = RandomActivation(rng);
    const float* bias = n % 3 ? b.data() : nullptr;
    std::vector<float> want(static_cast<size_t>(g.batch) * g.out_h * g.out_w * g.out_c), magnitude(want.size());
    ref::Conv2D(g, act, in.data(), filter.data(), bias, want.data());
    ref::Conv2D(g, none, in.Abs().data(), Abs(filter).data(), Abs(b).data(), magnitude.data());
    for (const FloatKernels* kernel : RunnableKernels(FloatKernelSets()))
      for (ThreadPool* pool : {static_cast<ThreadPool*>(nullptr), &three}) {
        FloatConv conv(g, *kernel, filter.data(), bias, act, pool);
        GuardedBuffer out(want.size() * sizeof(float), guard);
        conv.Run(in.data(), out.as<float>());
        ExpectClose(out.as<float>(), want, magnitude,
                    Name(*kernel, pool) + " " + conv.form() + " " + testing::Describe(g));
      }
  }
  EXPECT_GT(geometries.size(), 40u);
}

TEST(FloatKernels, DepthwiseIsCloseToTheReference) {
  std::mt19937 rng(23);
  ThreadPool three(3);
  three.set_min_task_work(1);
  const ref::FloatActivation none;
  const std::vector<ConvGeometry> geometries = testing::SweepGeometries({1, 7, 8, 16, 17, 33, 64, 65, 130}, {}, true);
  for (size_t n = 0; n < geometries.size(); ++n) {
    const ConvGeometry& g = geometries[n];
    const auto guard = n % 2 ? GuardedBuffer::Guard::kAfter : GuardedBuffer::Guard::kBefore;
    Floats in(static_cast<size_t>(g.batch) * g.in_h * g.in_w * g.in_c, guard, rng);
    const std::vector<float> filter = RandomVector(static_cast<size_t>(g.kernel_h) * g.kernel_w * g.out_c, rng);
    const std::vector<float> b = RandomVector(g.out_c, rng);
    const ref::FloatActivation act = RandomActivation(rng);
    const float* bias = n % 3 ? b.data() : nullptr;
    std::vector<float> want(static_cast<size_t>(g.batch) * g.out_h * g.out_w * g.out_c), magnitude(want.size());
    ref::DepthwiseConv2D(g, act, in.data(), filter.data(), bias, want.data());
    ref::DepthwiseConv2D(g, none, in.Abs().data(), Abs(filter).data(), Abs(b).data(), magnitude.data());
    for (const FloatKernels* kernel : RunnableKernels(FloatKernelSets()))
      for (ThreadPool* pool : {static_cast<ThreadPool*>(nullptr), &three}) {
        FloatDepthwise depthwise(g, *kernel, filter.data(), bias, act, pool);
        GuardedBuffer out(want.size() * sizeof(float), guard);
        depthwise.Run(in.data(), out.as<float>());
        ExpectClose(out.as<float>(), want, magnitude,
                    Name(*kernel, pool) + " " + testing::Describe(g));
      }
  }
  EXPECT_GT(geometries.size(), 90u);
}

TEST(FloatKernels, PoolingEqualsTheReference) {
  std::mt19937 rng(24);
  for (const ConvGeometry& g : testing::PoolGeometries({1, 5, 8, 16, 17, 40})) {
    Floats in(static_cast<size_t>(g.batch) * g.in_h * g.in_w * g.in_c, GuardedBuffer::Guard::kAfter, rng);
    const ref::FloatActivation act = RandomActivation(rng);
    const size_t outputs = static_cast<size_t>(g.batch) * g.out_h * g.out_w * g.out_c;
    std::vector<float> want_max(outputs), want_avg(outputs);
    ref::MaxPool(g, act, in.data(), want_max.data());
    ref::AvgPool(g, act, in.data(), want_avg.data());
    const std::string what = "channels " + std::to_string(g.in_c) + " window " + std::to_string(g.kernel_h) +
                             " stride " + std::to_string(g.stride_h);
    for (const FloatKernels* kernel : RunnableKernels(FloatKernelSets())) {
      GuardedBuffer out(outputs * sizeof(float), GuardedBuffer::Guard::kAfter);
      const int rows = g.batch * g.out_h;
      kernel->max_pool(g, act, in.data(), out.as<float>(), 0, rows / 2);  // in two row ranges
      kernel->max_pool(g, act, in.data(), out.as<float>(), rows / 2, rows);
      ExpectEqual(out.as<float>(), want_max, std::string(kernel->name) + " max " + what);
      kernel->avg_pool(g, act, in.data(), out.as<float>(), 0, rows);
      ExpectEqual(out.as<float>(), want_avg, std::string(kernel->name) + " average " + what);
    }
  }
}

TEST(FloatKernels, AddAndMeanEqualTheReference) {
  std::mt19937 rng(25);
  for (int size : {1, 7, 8, 16, 31, 100, 1000}) {
    Floats a(size, GuardedBuffer::Guard::kAfter, rng), b(size, GuardedBuffer::Guard::kBefore, rng);
    const ref::FloatActivation act = RandomActivation(rng);
    std::vector<float> want(size);
    ref::Add(act, size, a.data(), b.data(), want.data());
    for (const FloatKernels* kernel : RunnableKernels(FloatKernelSets())) {
      GuardedBuffer out(size * sizeof(float), GuardedBuffer::Guard::kAfter);
      kernel->add(act, size, a.data(), b.data(), out.as<float>());
      ExpectEqual(out.as<float>(), want, std::string(kernel->name) + " add of " + std::to_string(size));
    }
  }
  for (int c : {1, 5, 16, 17, 64})
    for (int hw : {1, 7, 49}) {
      Floats in(static_cast<size_t>(2) * hw * c, GuardedBuffer::Guard::kAfter, rng);
      std::vector<float> want(2 * c);
      ref::Mean(2, hw, 1, c, in.data(), want.data());
      for (const FloatKernels* kernel : RunnableKernels(FloatKernelSets())) {
        GuardedBuffer out(want.size() * sizeof(float), GuardedBuffer::Guard::kAfter);
        for (int image = 0; image < 2; ++image)
          kernel->mean(hw, c, in.data() + static_cast<int64_t>(image) * hw * c, out.as<float>() + image * c);
        ExpectEqual(out.as<float>(), want, std::string(kernel->name) + " mean of " + std::to_string(hw) + " x " +
                                               std::to_string(c));
      }
    }
}

}  // namespace
}  // namespace qforge::runtime
