// Weights packed two per byte (the sub-byte GEMM, unpacked in registers) against the int8 GEMM
// on the same 4-bit weights, 1 thread, interleaved in one run: for each layer shape and rows per
// call, both kernels' median time (GemmRunner: activation conversion included) and their ratio.
// Large layers at few rows are where the halved weight bytes show (the weights stream from
// memory); small ones stay in cache, where the unpacking is the difference. Prints a markdown
// table. Usage: w4_gemm_bench [--rounds R]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "bench/interleaved_timing.h"
#include "runtime/kernels/gemm.h"
#include "runtime/kernels/kernel_family.h"
#include "runtime/quant_math.h"

int main(int argc, char** argv) {
  using namespace qforge::runtime;
  using qforge::bench::InterleavedMedians;
  int rounds = 9;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: w4_gemm_bench [--rounds R]\n");
      return 2;
    }
  }
  const Isa isa = ProcessIsa().value();
  const GemmKernel& int8_kernel = BestKernel(GemmKernels(), isa);
  const GemmKernel& w4_kernel = BestKernel(SubByteGemmKernels(), isa);
  if (IsReference(w4_kernel)) {
    std::fprintf(stderr, "w4_gemm_bench: needs AVX-512 VNNI (this CPU, or QFORGE_ISA, has no sub-byte kernel)\n");
    return 1;
  }
  struct Shape {
    int m, n, k;
  };
  const Shape shapes[] = {{1, 4096, 4096}, {4, 4096, 4096}, {16, 4096, 4096}, {64, 4096, 4096},
                          {1, 1024, 1024}, {64, 1024, 1024}, {64, 300, 784}, {256, 256, 576}};
  std::mt19937 rng(4);
  std::printf("| rows x n x k | weight bytes int8 / w4 | int8 kernel us | w4 kernel us | w4 speedup |\n|---|---|---|---|---|\n");
  for (const Shape& s : shapes) {
    std::vector<int8_t> w(static_cast<size_t>(s.n) * s.k), a(static_cast<size_t>(s.m) * s.k);
    for (auto& v : w) v = static_cast<int8_t>(static_cast<int>(rng() % 16) - 8);
    for (auto& v : a) v = static_cast<int8_t>(rng());
    std::vector<int32_t> bias(s.n, 7), multiplier(s.n), shift(s.n);
    const QuantizedMultiplier qm = QuantizeMultiplier(1.0 / 512.0);
    for (int i = 0; i < s.n; ++i) multiplier[i] = qm.multiplier, shift[i] = qm.shift;
    Requantization q;
    q.input_zero_point = -3;
    q.multiplier = multiplier.data();
    q.shift = shift.data();
    GemmRunner int8_runner(PackGemm(int8_kernel, s.n, s.k, w.data(), bias.data(), q), nullptr);
    GemmRunner w4_runner(PackGemm(w4_kernel, s.n, s.k, w.data(), bias.data(), q), nullptr);
    std::vector<int8_t> out_int8(static_cast<size_t>(s.m) * s.n), out_w4(out_int8.size());
    auto run_int8 = [&] { int8_runner.Run(s.m, a.data(), s.k, out_int8.data(), s.n); };
    auto run_w4 = [&] { w4_runner.Run(s.m, a.data(), s.k, out_w4.data(), s.n); };
    run_int8();
    run_w4();
    if (out_int8 != out_w4) {
      std::fprintf(stderr, "w4_gemm_bench: the kernels disagree at %d x %d x %d\n", s.m, s.n, s.k);
      return 1;
    }
    const auto [t_int8, t_w4] = InterleavedMedians(run_int8, run_w4, rounds, 3e-3, 2);
    const double i8 = t_int8 * 1e6, w4 = t_w4 * 1e6;
    std::printf("| %d x %d x %d | %zu / %zu | %.2f | %.2f | %.2fx |\n", s.m, s.n, s.k, int8_runner.weights().packed.size(),
                w4_runner.weights().packed.size(), i8, w4, i8 / w4);
    std::fflush(stdout);
  }
  return 0;
}
