// The sparse int8 GEMM equals ref::FullyConnected byte for byte on every pattern it may meet —
// dense, unstructured at 50/90/97%, 1x4 blocks at 90%, 2:4, whole zero columns and an all-zero
// matrix — at rows around its 16-row blocks and 64-row tiles, columns around its 16-column
// chunks (1 and 6 included), odd k, row strides wider than the rows, random zero points,
// multipliers with left and right shifts and fused activation bounds; inputs and outputs
// against guard pages; on one thread and split over three. The AVX-512 panel rearrangement
// equals the portable one byte for byte.
#include "runtime/kernels/sparse_gemm.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "runtime/kernels/guarded_buffer.h"
#include "runtime/kernels/kernel_family.h"
#include "runtime/kernels/kernel_test_util.h"
#include "runtime/kernels/ref/conv_ref.h"
#include "runtime/quant_math.h"

namespace qforge::runtime {
namespace {

using testing::GuardedBuffer;

enum class Pattern { kDense, kUnstructured50, kUnstructured90, kUnstructured97, kBlocks90, kTwoOfFour, kZeroColumns, kZero };

const char* Name(Pattern p) {
  static const char* names[] = {"dense", "unstructured 50%", "unstructured 90%", "unstructured 97%",
                                "1x4 blocks 90%", "2:4", "zero columns", "all zero"};
  return names[static_cast<int>(p)];
}

// Random weights [n][k] with the pattern's zeros.
std::vector<int8_t> PatternWeights(Pattern p, int n, int k, std::mt19937& rng) {
  std::vector<int8_t> w = testing::RandomWeights(static_cast<size_t>(n) * k, rng);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int c = 0; c < n; ++c)
    for (int i = 0; i < k; ++i) {
      int8_t& v = w[static_cast<size_t>(c) * k + i];
      bool zero = false;
      switch (p) {
        case Pattern::kDense: break;
        case Pattern::kUnstructured50: zero = u(rng) < 0.5; break;
        case Pattern::kUnstructured90: zero = u(rng) < 0.9; break;
        case Pattern::kUnstructured97: zero = u(rng) < 0.97; break;
        case Pattern::kBlocks90: zero = (std::hash<int>()(c * 7919 + i / 4) % 10) != 0; break;
        case Pattern::kTwoOfFour: zero = (i % 4 + c) % 4 < 2; break;
        case Pattern::kZeroColumns: zero = c % 3 == 1; break;
        case Pattern::kZero: zero = true; break;
      }
      if (zero) v = 0;
    }
  return w;
}

struct Case {
  int m, n, k;
  int64_t lda, ldc;
  Pattern pattern;
};

void CheckCase(const Case& c, std::mt19937& rng, GuardedBuffer::Guard guard, ThreadPool* pool) {
  const std::vector<int8_t> w = PatternWeights(c.pattern, c.n, c.k, rng);
  const std::vector<int32_t> b = testing::RandomBiases(c.n, 20000, rng);
  const testing::RandomRequant requant(c.n, rng);
  const Requantization& q = requant.q;
  GuardedBuffer a((c.m - 1) * c.lda + c.k, guard);
  testing::FillRandom(a, rng);
  const std::vector<int8_t> want =
      testing::ReferenceDense(c.m, c.n, c.k, a.as<int8_t>(), c.lda, w.data(), b.data(), q);

  for (const SparseGemmKernel* kernel : RunnableKernels(SparseGemmKernels())) {
    SparseGemmRunner runner(PackSparseGemm(*kernel, c.n, c.k, w.data(), b.data(), q), c.m, pool);
    ASSERT_EQ(runner.weights().kept_blocks(), CountKeptBlocks(c.n, c.k, w.data()));
    GuardedBuffer out((c.m - 1) * c.ldc + c.n, guard);
    for (size_t i = 0; i < out.bytes(); ++i) out.as<int8_t>()[i] = 77;  // gaps between rows must survive
    runner.Run(c.m, a.as<int8_t>(), c.lda, 0x80, out.as<int8_t>(), c.ldc);
    for (int r = 0; r < c.m; ++r) {
      for (int j = 0; j < c.n; ++j)
        ASSERT_EQ(out.as<int8_t>()[r * c.ldc + j], want[r * c.n + j])
            << kernel->name << " " << Name(c.pattern) << " m " << c.m << " n " << c.n << " k " << c.k << " row " << r
            << " col " << j << (pool ? " threads" : "");
      for (int64_t j = c.n; r + 1 < c.m && j < c.ldc; ++j) ASSERT_EQ(out.as<int8_t>()[r * c.ldc + j], 77) << kernel->name;
    }
  }
}

TEST(SparseGemm, EveryPatternEqualsTheReference) {
  std::mt19937 rng(2027);
  const Pattern patterns[] = {Pattern::kDense,    Pattern::kUnstructured50, Pattern::kUnstructured90,
                              Pattern::kUnstructured97, Pattern::kBlocks90, Pattern::kTwoOfFour,
                              Pattern::kZeroColumns, Pattern::kZero};
  int i = 0;
  for (int m : {1, 5, 15, 16, 17, 47, 63, 64, 65, 130})
    for (int n : {1, 6, 15, 16, 17, 33})
      for (int k : {1, 3, 4, 5, 63, 64, 65, 131}) {
        const Pattern p = patterns[i++ % 8];
        CheckCase({m, n, k, k, n, p}, rng, i % 2 ? GuardedBuffer::Guard::kAfter : GuardedBuffer::Guard::kBefore, nullptr);
        if (HasFailure()) return;
      }
}

TEST(SparseGemm, StridesAndThreads) {
  std::mt19937 rng(11);
  ThreadPool pool(3);
  pool.set_min_task_work(1);
  for (int m : {1, 17, 64, 200, 333})
    for (int n : {6, 40, 100})
      for (Pattern p : {Pattern::kUnstructured90, Pattern::kBlocks90, Pattern::kDense}) {
        CheckCase({m, n, 77, 80, n + 3, p}, rng, GuardedBuffer::Guard::kAfter, &pool);
        CheckCase({m, n, 300, 300, n, p}, rng, GuardedBuffer::Guard::kBefore, nullptr);
        if (HasFailure()) return;
      }
}

TEST(SparseGemm, PanelEqualsThePortableOne) {
  const SparseGemmKernel& ref = SparseGemmKernels().front();
  std::mt19937 rng(5);
  for (const SparseGemmKernel* kernel : RunnableKernels(SparseGemmKernels()))
    for (int rows : {1, 15, 16, 17, 40, 64})
      for (int k : {1, 4, 5, 63, 64, 65, 200})
        for (uint8_t flip : {0x00, 0x80}) {
          // One run of k bytes per row, rows in reverse order; or k / 4 segments of 4 bytes
          // (a convolution's kernel rows) where k is a multiple of 4, 7 bytes apart.
          const int segments = k % 4 == 0 ? k / 4 : 1;
          const int64_t stride = segments > 1 ? 7 : 0, row_span = segments > 1 ? (segments - 1) * 7 + 4 : k;
          GuardedBuffer a(static_cast<size_t>(rows) * (row_span + 2), GuardedBuffer::Guard::kAfter);
          testing::FillRandom(a, rng);
          std::vector<const int8_t*> starts;
          for (int r = 0; r < rows; ++r) starts.push_back(a.as<int8_t>() + (rows - 1 - r) * (row_span + 2));
          const PanelRows source{starts.data(), segments, stride};
          const int64_t bytes = static_cast<int64_t>((rows + 15) / 16) * 16 * ((k + 3) / 4) * 4;
          std::vector<uint8_t, AlignedAllocator<uint8_t>> want(bytes, 1), got(bytes, 2);
          ref.to_panel(rows, k, source, flip, want.data());
          kernel->to_panel(rows, k, source, flip, got.data());
          ASSERT_EQ(want, got) << kernel->name << " rows " << rows << " k " << k << " segments " << segments
                               << " flip " << int(flip);
        }
}

TEST(SparseGemm, CostModelPicksSparseOnlyWhereItPays) {
  std::mt19937 rng(3);
  const std::vector<int8_t> dense = PatternWeights(Pattern::kDense, 300, 784, rng);
  const std::vector<int8_t> blocks = PatternWeights(Pattern::kBlocks90, 300, 784, rng);
  const std::vector<int8_t> half = PatternWeights(Pattern::kUnstructured50, 300, 784, rng);
  EXPECT_FALSE(ChooseSparseGemm(300, 784, dense.data(), 64));
  EXPECT_FALSE(ChooseSparseGemm(300, 784, half.data(), 64));  // 50% unstructured: nearly every block kept
  EXPECT_TRUE(ChooseSparseGemm(300, 784, blocks.data(), 64));
  EXPECT_FALSE(ChooseSparseGemm(300, 784, blocks.data(), 1));  // one row fills 1 of 16 lanes
  EXPECT_EQ(CountKeptBlocks(300, 784, dense.data()), 300 * 196);
}

}  // namespace
}  // namespace qforge::runtime
