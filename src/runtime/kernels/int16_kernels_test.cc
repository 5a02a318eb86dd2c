// Every 16x8 kernel set this CPU can run equals the reference 16x8 operators byte for byte:
// dense layers of odd and long k (past one int32 chunk of 512 products), convolutions (1x1
// direct, padded runs with odd runs, im2col), depthwise convolutions, Add and max pooling;
// full-scale int16 inputs, large biases, multipliers with left and right shifts,
// fused-activation bounds; one thread and three.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "runtime/kernels/int16_kernels.h"
#include "runtime/kernels/kernel_family.h"
#include "runtime/kernels/kernel_test_util.h"
#include "runtime/kernels/ref/conv_ref.h"
#include "runtime/kernels/ref/elementwise_ref.h"
#include "runtime/kernels/ref/pool_ref.h"
#include "runtime/quant_math.h"

namespace qforge::runtime {
namespace {

std::vector<int16_t> RandomInt16(size_t n, std::mt19937& rng) {
  std::uniform_int_distribution<int> value(-32768, 32767);
  std::vector<int16_t> x(n);
  for (auto& v : x) v = static_cast<int16_t>(value(rng));
  return x;
}

std::vector<int64_t> RandomBias64(int n, std::mt19937& rng) {
  std::uniform_int_distribution<int64_t> value(-(int64_t{1} << 36), int64_t{1} << 36);
  std::vector<int64_t> b(n);
  for (auto& v : b) v = value(rng);
  return b;
}

// RandomRequant's multipliers with the 16x8 mode's zero points (0) and bounds.
struct Requant16 : testing::RandomRequant {
  Requant16(int channels, std::mt19937& rng) : RandomRequant(channels, rng) {
    q.input_zero_point = q.output_zero_point = 0;
    const int activation = static_cast<int>(rng() % 3);
    q.act_min = activation ? 0 : -32768;
    q.act_max = activation == 2 ? 20000 : 32767;
  }
};

void ExpectSame(const std::vector<int16_t>& got, const std::vector<int16_t>& want, const std::string& what) {
  for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(got[i], want[i]) << what << " at " << i;
}

TEST(Int16Kernels, DenseEqualsTheReference) {
  std::mt19937 rng(41);
  ThreadPool three(3);
  three.set_min_task_work(1);
  for (int m : {1, 5, 13, 40})
    for (int n : {1, 16, 17, 40})
      for (int k : {1, 2, 9, 64, 513, 1100}) {
        const std::vector<int16_t> a = RandomInt16(static_cast<size_t>(m) * k, rng);
        const std::vector<int8_t> w = testing::RandomWeights(static_cast<size_t>(n) * k, rng);
        const std::vector<int64_t> b = RandomBias64(n, rng);
        const Requant16 requant(n, rng);
        std::vector<int16_t> want(static_cast<size_t>(m) * n);
        ref::FullyConnected(m, k, n, requant.q, a.data(), w.data(), b.data(), want.data());
        for (const Int16Kernels* kernel : RunnableKernels(Int16KernelSets()))
          for (ThreadPool* pool : {static_cast<ThreadPool*>(nullptr), &three}) {
            const Int16GemmWeights packed = PackInt16Gemm(*kernel, n, k, 1, w.data(), b.data(), requant.q);
            std::vector<int16_t> got(want.size());
            RunGemmOnPool(pool, packed, m, a.data(), k, got.data(), n);
            ExpectSame(got, want, std::string(kernel->name) + " m " + std::to_string(m) + " n " + std::to_string(n) +
                                      " k " + std::to_string(k));
          }
      }
}

TEST(Int16Kernels, ConvolutionEqualsTheReference) {
  std::mt19937 rng(42);
  ThreadPool three(3);
  three.set_min_task_work(1);
  std::vector<ConvGeometry> geometries = testing::SweepGeometries({1, 3, 16, 33}, {1, 5, 16, 33}, false);
  ConvGeometry pointwise;  // 1x1 direct
  pointwise.batch = 2, pointwise.in_h = 5, pointwise.in_w = 7, pointwise.in_c = 19;
  pointwise.out_h = 5, pointwise.out_w = 7, pointwise.out_c = 21;
  geometries.push_back(pointwise);
  for (size_t n = 0; n < geometries.size(); ++n) {
    const ConvGeometry& g = geometries[n];
    const std::vector<int16_t> in = RandomInt16(static_cast<size_t>(g.batch) * g.in_h * g.in_w * g.in_c, rng);
    const std::vector<int8_t> filter =
        testing::RandomWeights(static_cast<size_t>(g.out_c) * g.kernel_h * g.kernel_w * g.in_c, rng);
    const std::vector<int64_t> b = RandomBias64(g.out_c, rng);
    const int64_t* bias = n % 3 ? b.data() : nullptr;
    const Requant16 requant(g.out_c, rng);
    std::vector<int16_t> want(static_cast<size_t>(g.batch) * g.out_h * g.out_w * g.out_c);
    ref::Conv2D(g, requant.q, in.data(), filter.data(), bias, want.data());
    for (const Int16Kernels* kernel : RunnableKernels(Int16KernelSets()))
      for (ThreadPool* pool : {static_cast<ThreadPool*>(nullptr), &three}) {
        Int16Conv conv(g, *kernel, filter.data(), bias, requant.q, pool);
        std::vector<int16_t> got(want.size());
        conv.Run(in.data(), got.data());
        ExpectSame(got, want,
                   std::string(kernel->name) + " " + conv.form() + " " + testing::Describe(g));
      }
  }
  EXPECT_GT(geometries.size(), 40u);
}

TEST(Int16Kernels, DepthwiseEqualsTheReference) {
  std::mt19937 rng(43);
  ThreadPool three(3);
  three.set_min_task_work(1);
  const std::vector<ConvGeometry> geometries = testing::SweepGeometries({1, 7, 16, 17, 33, 64}, {}, true);
  for (size_t n = 0; n < geometries.size(); ++n) {
    const ConvGeometry& g = geometries[n];
    const std::vector<int16_t> in = RandomInt16(static_cast<size_t>(g.batch) * g.in_h * g.in_w * g.in_c, rng);
    const std::vector<int8_t> filter = testing::RandomWeights(static_cast<size_t>(g.kernel_h) * g.kernel_w * g.out_c, rng);
    const std::vector<int64_t> b = RandomBias64(g.out_c, rng);
    const int64_t* bias = n % 3 ? b.data() : nullptr;
    const Requant16 requant(g.out_c, rng);
    std::vector<int16_t> want(static_cast<size_t>(g.batch) * g.out_h * g.out_w * g.out_c);
    ref::DepthwiseConv2D(g, requant.q, in.data(), filter.data(), bias, want.data());
    for (const Int16Kernels* kernel : RunnableKernels(Int16KernelSets()))
      for (ThreadPool* pool : {static_cast<ThreadPool*>(nullptr), &three}) {
        Int16Depthwise depthwise(g, *kernel, filter.data(), bias, requant.q, pool);
        std::vector<int16_t> got(want.size());
        depthwise.Run(in.data(), got.data());
        ExpectSame(got, want,
                   std::string(kernel->name) + " depthwise " + testing::Describe(g));
      }
  }
  EXPECT_GT(geometries.size(), 60u);
}

TEST(Int16Kernels, AddEqualsTheReference) {
  std::mt19937 rng(44);
  std::uniform_real_distribution<double> log_scale(-12.0, -6.0);
  for (int size : {1, 15, 16, 17, 100, 1000}) {
    const std::vector<int16_t> a = RandomInt16(size, rng), b = RandomInt16(size, rng);
    const double s1 = std::exp2(log_scale(rng)), s2 = std::exp2(log_scale(rng));
    const double out_scale = 2.0 * std::max(s1, s2) * (0.5 + 0.5 * (size % 3));  // sums up to ~2x the inputs
    const int32_t lo = size % 2 ? 0 : -32768;  // ReLU or none
    const AddParams p = MakeAddParams(s1, 0, s2, 0, out_scale, 0, lo, 32767, 15);
    std::vector<int16_t> want(size);
    ref::Add(p, size, a.data(), b.data(), want.data());
    for (const Int16Kernels* kernel : RunnableKernels(Int16KernelSets())) {
      std::vector<int16_t> got(size);
      kernel->add(p, 0, size / 3, a.data(), b.data(), got.data());  // in two ranges
      kernel->add(p, size / 3, size, a.data(), b.data(), got.data());
      ExpectSame(got, want, std::string(kernel->name) + " add of " + std::to_string(size));
    }
  }
}

TEST(Int16Kernels, MaxPoolEqualsTheReference) {
  std::mt19937 rng(45);
  for (const ConvGeometry& g : testing::PoolGeometries({1, 5, 16, 31, 32, 33, 70})) {
    const int c = g.in_c;
    const std::vector<int16_t> in = RandomInt16(static_cast<size_t>(g.batch) * g.in_h * g.in_w * c, rng);
    const int32_t lo = c % 2 ? 0 : -32768, hi = c % 3 ? 32767 : 12000;
    std::vector<int16_t> want(static_cast<size_t>(g.batch) * g.out_h * g.out_w * c);
    ref::MaxPool(g, lo, hi, in.data(), want.data());
    for (const Int16Kernels* kernel : RunnableKernels(Int16KernelSets())) {
      std::vector<int16_t> got(want.size());
      const int rows = g.batch * g.out_h;
      kernel->max_pool(g, lo, hi, in.data(), got.data(), 0, rows / 2);  // in two row ranges
      kernel->max_pool(g, lo, hi, in.data(), got.data(), rows / 2, rows);
      ExpectSame(got, want, std::string(kernel->name) + " max pool channels " + std::to_string(c) + " window " +
                                std::to_string(g.kernel_h) + " stride " + std::to_string(g.stride_h));
    }
  }
}

// Extreme values: inputs -32768 and weights -128 make every product 2^22, so sums of 512 reach
// 2^31 — past int32. The GEMM moves to int64 often enough (k = 512, 1100); the depthwise kernel
// is exact up to 511 taps and not chosen beyond (Int16DepthwiseFits).
TEST(Int16Kernels, ExtremeValuesStayExact) {
  const std::vector<int32_t> multiplier{QuantizeMultiplier(std::exp2(-20)).multiplier};
  const std::vector<int32_t> shift{QuantizeMultiplier(std::exp2(-20)).shift};
  Requantization q;
  q.output_zero_point = 0;
  q.act_min = -32768;
  q.act_max = 32767;
  q.multiplier = multiplier.data();
  q.shift = shift.data();
  for (const Int16Kernels* kernel : RunnableKernels(Int16KernelSets())) {
    for (int k : {511, 512, 1100}) {
      const std::vector<int16_t> a(static_cast<size_t>(k), -32768);
      const std::vector<int8_t> w(static_cast<size_t>(k), -128);
      int16_t want = 0, got = 0;
      ref::FullyConnected(1, k, 1, q, a.data(), w.data(), nullptr, &want);
      RunGemmOnPool(nullptr, PackInt16Gemm(*kernel, 1, k, 1, w.data(), nullptr, q), 1, a.data(), k, &got, 1);
      EXPECT_EQ(got, want) << kernel->name << " dense k " << k;
      EXPECT_GT(want, 0);
    }
    ConvGeometry g;  // a 1 x 511 depthwise window: the most taps the kernel takes
    g.in_w = g.kernel_w = 511;
    ASSERT_TRUE(Int16DepthwiseFits(g));
    const std::vector<int16_t> in(511, -32768);
    const std::vector<int8_t> filter(511, -128);
    int16_t want = 0, got = 0;
    ref::DepthwiseConv2D(g, q, in.data(), filter.data(), nullptr, &want);
    Int16Depthwise(g, *kernel, filter.data(), nullptr, q, nullptr).Run(in.data(), &got);
    EXPECT_EQ(got, want) << kernel->name << " depthwise of 511 taps";
  }
  ConvGeometry wide;
  wide.in_w = wide.kernel_w = 512;
  EXPECT_FALSE(Int16DepthwiseFits(wide));
}

// RequantizeParams from `ratio` = input scale / output scale and the zero points, clamped to Out.
template <typename Out>
RequantizeParams Requant(double ratio, int32_t zp_in, int32_t zp_out) {
  RequantizeParams p;
  p.multiplier = QuantizeMultiplier(ratio);
  p.input_zero_point = zp_in;
  p.output_zero_point = zp_out;
  p.min = std::numeric_limits<Out>::min();
  p.max = std::numeric_limits<Out>::max();
  return p;
}

template <typename In, typename Out>
void CheckRequantize(RequantizeRun<In, Out> run, const RequantizeParams& p, const std::vector<In>& in,
                     const std::string& what) {
  std::vector<Out> want(in.size()), got(in.size());
  ref::Requantize(p, static_cast<int64_t>(in.size()), in.data(), want.data());
  const int64_t n = static_cast<int64_t>(in.size());
  run(p, 0, n / 3, in.data(), got.data());  // in two ranges
  run(p, n / 3, n, in.data(), got.data());
  for (size_t i = 0; i < in.size(); ++i) ASSERT_EQ(got[i], want[i]) << what << " at " << i;
}

TEST(Int16Kernels, RequantizeBetweenInt8AndInt16EqualsTheReference) {
  std::mt19937 rng(46);
  std::uniform_real_distribution<double> log_ratio(-2.0, 2.0);
  std::uniform_int_distribution<int> byte(-128, 127);
  for (int size : {1, 15, 16, 17, 1000}) {
    std::vector<int8_t> bytes(size);
    for (auto& b : bytes) b = static_cast<int8_t>(byte(rng));
    const std::vector<int16_t> shorts = RandomInt16(size, rng);
    for (const Int16Kernels* kernel : RunnableKernels(Int16KernelSets())) {
      const std::string name = std::string(kernel->name) + " size " + std::to_string(size);
      // int8 -> int16: the int16 grid is ~2^8 finer (multipliers with left shifts).
      CheckRequantize(kernel->widen, Requant<int16_t>(std::exp2(8 + log_ratio(rng)), byte(rng), 0), bytes,
                      name + " widen");
      CheckRequantize(kernel->narrow, Requant<int8_t>(std::exp2(-8 + log_ratio(rng)), 0, byte(rng)), shorts,
                      name + " narrow");
      CheckRequantize(kernel->regrid, Requant<int16_t>(std::exp2(log_ratio(rng)), 0, 0), shorts, name + " regrid");
    }
  }
}

}  // namespace
}  // namespace qforge::runtime
