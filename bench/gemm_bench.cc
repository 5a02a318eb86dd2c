// int8 GEMM throughput, 1 thread, beside its yardsticks measured in the same run: qforge's
// Gemm (the best ISA this CPU runs, or QFORGE_ISA) and oneDNN's int8 matmul (u8 x s8 -> s8 with
// per-column output scales: the same work, requantization included) on M = N = K = 256 and
// 1024, and the core's measured vpdpbusd peak. oneDNN is capped at AVX-512 VNNI (the same
// instructions; this CPU also has AMX tiles, which are another league). Counter GOPS =
// 2 M N K / time.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <dnnl.hpp>
#include <random>
#include <vector>

#include "runtime/kernels/gemm.h"
#include "runtime/kernels/kernel_family.h"
#include "runtime/kernels/peak.h"
#include "runtime/quant_math.h"

namespace qforge {
namespace {

using runtime::Isa;

std::vector<int8_t> RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
  return v;
}

void SetGops(benchmark::State& state, int64_t m, int64_t n, int64_t k) {
  state.counters["GOPS"] = benchmark::Counter(2.0 * m * n * k, benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::kIs1000);
  state.counters["GOPS"].value /= 1e9;
}

void BM_QforgeGemm(benchmark::State& state) {
  const int s = static_cast<int>(state.range(0));
  const runtime::GemmKernel& kernel = runtime::BestKernel(runtime::GemmKernels(), runtime::ProcessIsa().value());
  if (runtime::IsReference(kernel)) {
    state.SkipWithError("the reference has no packed GEMM (QFORGE_ISA=ref or no x86 kernels)");
    return;
  }
  state.SetLabel(kernel.name);
  const std::vector<int8_t> a = RandomBytes(static_cast<size_t>(s) * s, 1), w = RandomBytes(static_cast<size_t>(s) * s, 2);
  std::vector<int32_t> bias(s, 100), multiplier(s), shift(s);
  const runtime::QuantizedMultiplier qm = runtime::QuantizeMultiplier(1.0 / 2048.0);
  for (int i = 0; i < s; ++i) multiplier[i] = qm.multiplier, shift[i] = qm.shift;
  runtime::Requantization q;
  q.input_zero_point = 3;
  q.output_zero_point = -5;
  q.multiplier = multiplier.data();
  q.shift = shift.data();
  runtime::GemmRunner runner(runtime::PackGemm(kernel, s, s, w.data(), bias.data(), q), /*pool=*/nullptr);
  std::vector<int8_t> out(static_cast<size_t>(s) * s);
  for (auto _ : state) {  // what a dense layer runs, activation conversion included
    runner.Run(s, a.data(), s, out.data(), s);
    benchmark::DoNotOptimize(out.data());
  }
  SetGops(state, s, s, s);
}

void BM_OnednnMatmul(benchmark::State& state) {
  omp_set_num_threads(1);
  const int64_t s = state.range(0);
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  const dnnl::memory::desc a_md({s, s}, dt::u8, tag::ab), b_any({s, s}, dt::s8, tag::any), b_plain({s, s}, dt::s8, tag::ab),
      c_md({s, s}, dt::s8, tag::ab);
  dnnl::primitive_attr attr;
  attr.set_output_scales(1 << 1, std::vector<float>(static_cast<size_t>(s), 1.0f / 2048.0f));
  // Takes effect before oneDNN's first JIT kernel (and only then): this process makes no other.
  dnnl::set_max_cpu_isa(dnnl::cpu_isa::avx512_core_vnni);
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, b_any, c_md), attr, engine);
  std::vector<int8_t> a = RandomBytes(static_cast<size_t>(s * s), 1), b = RandomBytes(static_cast<size_t>(s * s), 2),
                      c(static_cast<size_t>(s * s));
  dnnl::memory a_mem(a_md, engine, a.data()), b_user(b_plain, engine, b.data()), c_mem(c_md, engine, c.data());
  dnnl::memory b_mem(pd.weights_desc(), engine);
  dnnl::reorder(b_user, b_mem).execute(stream, b_user, b_mem);  // packing, outside the timing
  const dnnl::matmul matmul(pd);
  for (auto _ : state) {
    matmul.execute(stream, {{DNNL_ARG_SRC, a_mem}, {DNNL_ARG_WEIGHTS, b_mem}, {DNNL_ARG_DST, c_mem}});
    stream.wait();
  }
  state.SetLabel(std::string("oneDNN ") + pd.impl_info_str());
  SetGops(state, s, s, s);
}

void BM_VnniPeak(benchmark::State& state) {
  if (runtime::SupportedIsa() != Isa::kAvx512Vnni && runtime::SupportedIsa() != Isa::kAvx512Vbmi) {
    state.SkipWithError("no AVX-512 VNNI on this CPU");
    return;
  }
  double gops = 0.0;
  for (auto _ : state) gops = runtime::MeasureInt8PeakGops(Isa::kAvx512Vnni, 0.05);
  state.counters["GOPS"] = gops;
}

BENCHMARK(BM_VnniPeak)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_QforgeGemm)->Arg(256)->Arg(1024)->Unit(benchmark::kMicrosecond)->MinTime(1.0);
BENCHMARK(BM_OnednnMatmul)->Arg(256)->Arg(1024)->Unit(benchmark::kMicrosecond)->MinTime(1.0);

}  // namespace
}  // namespace qforge

BENCHMARK_MAIN();
