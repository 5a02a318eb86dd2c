// Sparse vs dense int8 GEMM on the same weights, 1 thread, interleaved in one run: for each
// layer shape, pruning pattern (1x4 blocks along k, or unstructured) and sparsity, and rows
// per call, the median time of the dense VNNI kernel (GemmRunner, activation conversion
// included) and of the sparse kernel (SparseGemmRunner, panel rearrangement included), their
// ratio, and what the cost model (ChooseSparseGemm) picks. Prints a markdown table.
// Usage: sparse_gemm_bench [--rounds R] [--quick]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "bench/interleaved_timing.h"
#include "runtime/kernels/gemm.h"
#include "runtime/kernels/kernel_family.h"
#include "runtime/kernels/sparse_gemm.h"
#include "runtime/quant_math.h"

namespace qforge {
namespace {

struct Shape {
  const char* name;
  int n, k;
};

// Random weights [n][k] pruned to `sparsity`: whole 1x4 blocks along k (by block), or single
// weights.
std::vector<int8_t> PrunedWeights(int n, int k, double sparsity, bool blocks, std::mt19937& rng) {
  std::uniform_int_distribution<int> weight(1, 127);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<int8_t> w(static_cast<size_t>(n) * k);
  for (int c = 0; c < n; ++c)
    for (int g = 0; g < (k + 3) / 4; ++g) {
      const bool block_pruned = u(rng) < sparsity;
      for (int i = 4 * g; i < std::min(k, 4 * g + 4); ++i) {
        const bool pruned = blocks ? block_pruned : u(rng) < sparsity;
        w[static_cast<size_t>(c) * k + i] = pruned ? 0 : static_cast<int8_t>(weight(rng) * (rng() % 2 ? 1 : -1));
      }
    }
  return w;
}

}  // namespace
}  // namespace qforge

int main(int argc, char** argv) {
  using namespace qforge;
  using namespace qforge::runtime;
  using qforge::bench::InterleavedMedians;
  int rounds = 9;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else if (!std::strcmp(argv[i], "--quick")) {
      quick = true;
    } else {
      std::fprintf(stderr, "usage: sparse_gemm_bench [--rounds R] [--quick]\n");
      return 2;
    }
  }
  const GemmKernel& dense_kernel = BestKernel(GemmKernels(), ProcessIsa().value());
  const SparseGemmKernel& sparse_kernel = BestKernel(SparseGemmKernels(), ProcessIsa().value());
  if (IsReference(sparse_kernel) || dense_kernel.isa != Isa::kAvx512Vnni) {
    std::fprintf(stderr, "sparse_gemm_bench: needs AVX-512 VNNI (this CPU, or QFORGE_ISA, has no sparse kernel)\n");
    return 1;
  }
  const std::vector<Shape> shapes = {{"mlp dense1", 300, 784}, {"mlp dense2", 100, 300}, {"square 1024", 1024, 1024}};
  const std::vector<double> sparsities = quick ? std::vector<double>{0.5, 0.9} : std::vector<double>{0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98};
  const std::vector<int> row_counts = quick ? std::vector<int>{64} : std::vector<int>{1, 16, 64, 256};
  std::mt19937 rng(42);
  std::printf("| layer [n x k] | pattern | sparsity | kept blocks | rows | dense us | sparse us | sparse speedup | model picks |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  for (const Shape& s : shapes)
    for (bool blocks : {true, false})
      for (double sparsity : sparsities)
        for (int rows : row_counts) {
          const std::vector<int8_t> w = PrunedWeights(s.n, s.k, sparsity, blocks, rng);
          std::vector<int32_t> bias(s.n, 100), multiplier(s.n), shift(s.n);
          const QuantizedMultiplier qm = QuantizeMultiplier(1.0 / 2048.0);
          for (int i = 0; i < s.n; ++i) multiplier[i] = qm.multiplier, shift[i] = qm.shift;
          Requantization q;
          q.input_zero_point = 3;
          q.output_zero_point = -5;
          q.multiplier = multiplier.data();
          q.shift = shift.data();
          GemmRunner dense(PackGemm(dense_kernel, s.n, s.k, w.data(), bias.data(), q), nullptr);
          SparseGemmRunner sparse(PackSparseGemm(sparse_kernel, s.n, s.k, w.data(), bias.data(), q), rows, nullptr);
          std::vector<int8_t> a(static_cast<size_t>(rows) * s.k), out_dense(static_cast<size_t>(rows) * s.n),
              out_sparse(out_dense.size());
          for (auto& x : a) x = static_cast<int8_t>(rng());
          auto run_dense = [&] { dense.Run(rows, a.data(), s.k, out_dense.data(), s.n); };
          auto run_sparse = [&] { sparse.Run(rows, a.data(), s.k, 0x80, out_sparse.data(), s.n); };
          run_dense();
          run_sparse();
          if (out_dense != out_sparse) {
            std::fprintf(stderr, "sparse_gemm_bench: the kernels disagree on %s\n", s.name);
            return 1;
          }
          // About 2 ms per measurement.
          const auto [dense_s, sparse_s] = InterleavedMedians(run_dense, run_sparse, rounds, 2e-3, 3);
          const double kept = static_cast<double>(CountKeptBlocks(s.n, s.k, w.data())) / (s.n * ((s.k + 3) / 4));
          const double d = dense_s * 1e6, sp = sparse_s * 1e6;
          std::printf("| %s [%d x %d] | %s | %.0f%% | %.1f%% | %d | %.2f | %.2f | %.2fx | %s |\n", s.name, s.n, s.k,
                      blocks ? "1x4 blocks" : "unstructured", 100 * sparsity, 100 * kept, rows, d, sp, d / sp,
                      ChooseSparseGemm(s.n, s.k, w.data(), rows) ? "sparse" : "dense");
          std::fflush(stdout);
        }
  return 0;
}
