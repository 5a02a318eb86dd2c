// Training throughput of each zoo model (forward, loss, backward, Adam step) at batch 64 on
// synthetic 28x28 images, for 1 and 2 threads, in float (variant 0) and as quantization-aware
// training — the graph QuantizeModel builds, with fake quantization and batch-norm folding —
// in the default int8 scheme (variant 1) and with 4-bit LSQ weights and activations
// (variant 2). Reports images/s as items_per_second.
// Set QFORGE_BENCH_PROFILE=1 to also print the per-layer time split of each run.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "core/threading.h"
#include "quant/qat.h"
#include "train/train_step.h"
#include "zoo/zoo.h"

namespace qforge {
namespace {

constexpr int64_t kBatch = 64;

void BM_TrainStep(benchmark::State& state) {
  const ZooModel& model = ZooModels()[state.range(0)];
  SetNumThreads(static_cast<int>(state.range(1)));
  const int64_t variant = state.range(2);
  const char* names[] = {"/float", "/qat-int8", "/qat-lsq4"};
  const std::string label = model.name + names[variant] + "/threads:" + std::to_string(state.range(1));
  state.SetLabel(label);
  Graph graph = std::move(model.build(1)).value();
  if (variant > 0) {
    quant::QatOptions options;
    options.scheme = (variant == 1 ? quant::MakeScheme("int8") : quant::MakeScheme("nbit", 4, 4, "lsq")).value();
    graph = std::move(quant::QuantizeModel(graph, options).value().graph);
  }
  TrainStep step(&graph, OptimizerConfig{.type = "adam"}, Backend::kFast);
  const bool profile = std::getenv("QFORGE_BENCH_PROFILE") != nullptr;
  Rng rng(1);
  Tensor images({kBatch, 1, 28, 28});
  for (int64_t i = 0; i < images.size(); ++i) images[i] = rng.Normal();
  std::vector<int32_t> labels(kBatch);
  for (auto& l : labels) l = static_cast<int32_t>(rng.Below(10));
  for (int warmup = 0; warmup < 3; ++warmup) (void)step.Run(images, labels, 1e-3f, &rng);
  step.executor().EnableProfiling(profile);
  for (auto _ : state) {
    auto r = step.Run(images, labels, 1e-3f, &rng);
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  if (profile) std::fprintf(stderr, "%s\n%s\n", label.c_str(), step.executor().ProfileReport().c_str());
}

void Args(benchmark::internal::Benchmark* b) {
  for (int m = 0; m < static_cast<int>(ZooModels().size()); ++m)
    for (int threads : {1, 2})
      for (int variant : {0, 1, 2}) b->Args({m, threads, variant});
}

BENCHMARK(BM_TrainStep)->Apply(Args)->UseRealTime()->MinTime(2.0)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace qforge

BENCHMARK_MAIN();
