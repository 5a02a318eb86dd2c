// Every GEMM implementation this CPU can run equals ref::FullyConnected byte for byte: sizes
// around each ISA's tiles (AVX2 4 x 16, VNNI 12 x 32: rows 1..33 with 11, 12, 13 and 25,
// columns around 8, 16, 32 and 48, and 65; odd k and k around the 4-byte groups), row strides
// larger than the row, random zero points, multipliers with left and right shifts, fused
// ReLU/ReLU6 bounds, and requantization ties at every shift; inputs and outputs placed against
// guard pages on either side.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "runtime/kernels/gemm.h"
#include "runtime/kernels/guarded_buffer.h"
#include "runtime/kernels/kernel_family.h"
#include "runtime/kernels/kernel_test_util.h"
#include "runtime/kernels/ref/conv_ref.h"
#include "runtime/quant_math.h"

namespace qforge::runtime {
namespace {

using testing::GuardedBuffer;
using testing::RandomRequant;

struct Case {
  int m, n, k;
  int64_t lda, ldc;
};

// `family`: GemmKernels(), or SubByteGemmKernels() with weights in [-8, 7].
void CheckCase(const Case& c, std::mt19937& rng, GuardedBuffer::Guard guard,
               const std::vector<GemmKernel>& family = GemmKernels()) {
  const bool sub_byte = &family == &SubByteGemmKernels();
  const std::vector<int8_t> w = sub_byte ? testing::RandomWeightsIn(static_cast<size_t>(c.n) * c.k, -8, 7, rng)
                                         : testing::RandomWeights(static_cast<size_t>(c.n) * c.k, rng);
  const std::vector<int32_t> b = testing::RandomBiases(c.n, 20000, rng);
  const RandomRequant requant(c.n, rng);
  const Requantization& q = requant.q;

  GuardedBuffer a((c.m - 1) * c.lda + c.k, guard);
  testing::FillRandom(a, rng);
  const std::vector<int8_t> want =
      testing::ReferenceDense(c.m, c.n, c.k, a.as<int8_t>(), c.lda, w.data(), b.data(), q);

  for (const GemmKernel* kernel : RunnableKernels(family)) {
    const GemmWeights packed = PackGemm(*kernel, c.n, c.k, w.data(), b.data(), q);
    // The rows in the kernel's input form, as wide apart as in a.
    const int64_t stride = GemmInputRowBytes(*kernel, c.k) + (c.lda - c.k);
    GuardedBuffer native((c.m - 1) * stride + GemmInputRowBytes(*kernel, c.k), guard);
    ToGemmInput(*kernel, c.m, c.k, a.as<int8_t>(), c.lda, native.as<int8_t>(), stride);
    GuardedBuffer out((c.m - 1) * c.ldc + c.n, guard);
    for (size_t i = 0; i < out.bytes(); ++i) out.as<int8_t>()[i] = 77;  // gaps between rows must survive
    Gemm(packed, c.m, native.as<int8_t>(), stride, out.as<int8_t>(), c.ldc);
    for (int r = 0; r < c.m; ++r) {
      for (int j = 0; j < c.n; ++j)
        ASSERT_EQ(out.as<int8_t>()[r * c.ldc + j], want[r * c.n + j])
            << kernel->name << " m " << c.m << " n " << c.n << " k " << c.k << " row " << r << " col " << j;
      for (int64_t j = c.n; r + 1 < c.m && j < c.ldc; ++j) ASSERT_EQ(out.as<int8_t>()[r * c.ldc + j], 77) << kernel->name;
    }
  }
}

TEST(Gemm, EveryIsaEqualsTheReference) {
  std::mt19937 rng(2026);
  for (int m : {1, 3, 4, 5, 7, 8, 9, 11, 12, 13, 25, 33})
    for (int n : {1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 47, 48, 49, 65, 97})
      for (int k : {1, 2, 3, 4, 5, 7, 16, 63, 64, 65, 300, 513}) {
        const auto guard = (m + n + k) % 2 ? GuardedBuffer::Guard::kAfter : GuardedBuffer::Guard::kBefore;
        CheckCase({m, n, k, k, n}, rng, guard);
        if (HasFailure()) return;
      }
}

// Weights packed two per byte (unpacked in registers): the same sizes, k around the pairs of
// groups (1..9, 15..17), and segmented rows as convolutions pass them (conv_gemm_test).
TEST(Gemm, SubByteWeightsEqualTheReference) {
  std::mt19937 rng(2028);
  for (int m : {1, 4, 11, 12, 13, 25})
    for (int n : {1, 15, 16, 17, 32, 33, 65})
      for (int k : {1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 64, 301}) {
        CheckCase({m, n, k, k + (m % 3), n}, rng, (m + k) % 2 ? GuardedBuffer::Guard::kAfter : GuardedBuffer::Guard::kBefore,
                  SubByteGemmKernels());
        if (HasFailure()) return;
      }
}

TEST(Gemm, RowStridesWiderThanRows) {
  std::mt19937 rng(7);
  for (int m : {1, 9, 13})
    for (int n : {5, 16, 50})
      for (int k : {3, 20, 77}) {
        CheckCase({m, n, k, k + 5, n + 3}, rng, GuardedBuffer::Guard::kAfter);
        if (HasFailure()) return;
      }
}

// GemmRunner (dense layers, 1x1 convolutions): row blocks converted to the kernel's input form,
// alone and on 3 threads (row blocks, or column tiles of one block), equals the reference.
TEST(Gemm, RunnerOnOneAndThreeThreads) {
  std::mt19937 rng(9);
  std::uniform_int_distribution<int> byte(-128, 127);
  ThreadPool three(3);
  three.set_min_task_work(1);  // split even these small cases
  for (int m : {1, 5, 64, 65, 200})
    for (int n : {10, 48, 130})
      for (int k : {3, 64, 301}) {
        std::vector<int8_t> a(static_cast<size_t>(m) * k);
        for (auto& v : a) v = static_cast<int8_t>(byte(rng));
        const std::vector<int8_t> w = testing::RandomWeights(static_cast<size_t>(n) * k, rng);
        const std::vector<int32_t> b = testing::RandomBiases(n, 20000, rng);
        const RandomRequant requant(n, rng);
        std::vector<int8_t> want(static_cast<size_t>(m) * n);
        ref::FullyConnected(m, k, n, requant.q, a.data(), w.data(), b.data(), want.data());
        for (const GemmKernel* kernel : RunnableKernels(GemmKernels()))
          for (ThreadPool* pool : {static_cast<ThreadPool*>(nullptr), &three}) {
            GemmRunner runner(PackGemm(*kernel, n, k, w.data(), b.data(), requant.q), pool);
            std::vector<int8_t> got(want.size());
            runner.Run(m, a.data(), k, got.data(), n);
            ASSERT_EQ(got, want) << kernel->name << " m " << m << " n " << n << " k " << k << (pool ? " 3 threads" : "");
          }
      }
}

TEST(Gemm, ExtremeInputsAndWeights) {
  // All activations at -128 / 127 with zero point at the other end and weights at +-127: the
  // largest accumulators, the +128 correction and the rounding at their limits.
  for (const GemmKernel* kernel : RunnableKernels(GemmKernels())) {
    for (int sign : {-1, 1}) {
      const int m = 9, n = 33, k = 515;
      std::vector<int8_t> a(static_cast<size_t>(m) * k, sign > 0 ? 127 : -128), w(static_cast<size_t>(n) * k, static_cast<int8_t>(127 * sign));
      std::vector<int32_t> b(n, 0), multiplier(n, QuantizeMultiplier(1.0 / 4096.0).multiplier), shift(n, QuantizeMultiplier(1.0 / 4096.0).shift);
      Requantization q;
      q.input_zero_point = sign > 0 ? -128 : 127;
      q.multiplier = multiplier.data();
      q.shift = shift.data();
      std::vector<int8_t> want(static_cast<size_t>(m) * n), got(want.size());
      ref::FullyConnected(m, k, n, q, a.data(), w.data(), b.data(), want.data());
      GemmRunner(PackGemm(*kernel, n, k, w.data(), b.data(), q), nullptr).Run(m, a.data(), k, got.data(), n);
      EXPECT_EQ(got, want) << kernel->name;
    }
  }
}

// A damaged or hostile model can push accumulators past int32: every kernel wraps them modulo
// 2^32 exactly as the reference does (bias folding included), instead of undefined behaviour.
TEST(Gemm, AccumulatorsPastTheInt32RangeWrapAsInTheReference) {
  std::mt19937 rng(41);
  const int m = 9, n = 33, k = 515;
  const testing::OverflowingLayer layer =
      testing::MakeOverflowingLayer(static_cast<size_t>(n) * k, n, [k](size_t i) { return static_cast<int>(i / k); }, rng);
  std::vector<int8_t> a(static_cast<size_t>(m) * k);
  for (auto& v : a) v = static_cast<int8_t>(rng() % 128);
  RandomRequant requant(n, rng);
  requant.q.input_zero_point = -128;
  for (int c = 0; c < n; ++c) {  // the exact sum of row 0 lies outside int32: the case is real
    int64_t exact = layer.bias[c];
    for (int i = 0; i < k; ++i) exact += int64_t{layer.weights[static_cast<size_t>(c) * k + i]} * (a[i] + 128);
    ASSERT_TRUE(exact > INT32_MAX || exact < INT32_MIN) << "column " << c;
  }
  std::vector<int8_t> want(static_cast<size_t>(m) * n);
  ref::FullyConnected(m, k, n, requant.q, a.data(), layer.weights.data(), layer.bias.data(), want.data());
  for (const GemmKernel* kernel : RunnableKernels(GemmKernels())) {
    std::vector<int8_t> got(want.size());
    GemmRunner(PackGemm(*kernel, n, k, layer.weights.data(), layer.bias.data(), requant.q), nullptr)
        .Run(m, a.data(), k, got.data(), n);
    EXPECT_EQ(got, want) << kernel->name;
  }
}

TEST(Gemm, RequantizationTiesAtEveryShift) {
  // One weight of 1 and biases placed so that bias + (a - zp), over a = -128..127 (one row
  // each), lands on and around the ties of both roundings: with multiplier 2^30 the first
  // rounding ties at odd sums and the second at sums 2^e (2j + 1); other multipliers near the
  // ends of [2^30, 2^31). Every right shift 0..31, left shifts 1..4, and accumulators near the
  // int32 limits; the outputs stay inside int8 except where the limits are tested.
  std::mt19937 rng(31);
  std::vector<int32_t> multiplier, shift, bias;
  for (int32_t m : {int32_t{1} << 30, INT32_MAX, 1518500250}) {
    for (int e = 0; e <= 31; ++e) {
      // The sum giving output r0 is r0 2^(31 + e) / m; a tie of the second rounding near it.
      const int r0 = static_cast<int>(rng() % 81) - 40;
      const double scale = std::ldexp(1.0, 31 + e) / m;
      const double center = std::clamp(r0 * scale, -2.0e9, 2.0e9);
      const int64_t tie = (static_cast<int64_t>(center) >> e << e) + (e > 0 ? int64_t{1} << (e - 1) : 0);
      multiplier.push_back(m);
      shift.push_back(-e);
      bias.push_back(static_cast<int32_t>(std::clamp<int64_t>(tie, INT32_MIN + 300, INT32_MAX - 300)));
    }
    for (int left = 1; left <= 4; ++left) {
      multiplier.push_back(m);
      shift.push_back(left);
      bias.push_back(static_cast<int32_t>(rng() % 64) - 32);
    }
    for (int32_t extreme : {INT32_MIN + 300, INT32_MAX - 300}) {
      multiplier.push_back(m);
      shift.push_back(-31);
      bias.push_back(extreme);
    }
  }
  const int n = static_cast<int>(bias.size()), m = 256, k = 1;
  Requantization q;
  q.input_zero_point = 0;
  q.output_zero_point = 3;
  q.multiplier = multiplier.data();
  q.shift = shift.data();
  std::vector<int8_t> a(m), w(n, 1), want(static_cast<size_t>(m) * n);
  for (int r = 0; r < m; ++r) a[r] = static_cast<int8_t>(r - 128);
  ref::FullyConnected(m, k, n, q, a.data(), w.data(), bias.data(), want.data());
  int inside = 0;  // outputs strictly inside the int8 range: the rounding is visible there
  for (int8_t v : want) inside += v > -128 && v < 127;
  EXPECT_GT(inside, static_cast<int>(want.size()) * 3 / 4);
  for (const GemmKernel* kernel : RunnableKernels(GemmKernels())) {
    std::vector<int8_t> got(want.size());
    GemmRunner(PackGemm(*kernel, n, k, w.data(), bias.data(), q), nullptr).Run(m, a.data(), k, got.data(), n);
    for (int r = 0; r < m; ++r)
      for (int c = 0; c < n; ++c)
        ASSERT_EQ(got[r * n + c], want[r * n + c]) << kernel->name << " row " << r << " column " << c << " multiplier "
                                                    << multiplier[c] << " shift " << shift[c] << " bias " << bias[c];
  }
}

}  // namespace
}  // namespace qforge::runtime
