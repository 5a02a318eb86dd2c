// Entropy-decoding speed of compressed weights: canonical Huffman (runtime/coding/huffman.h)
// on 1 MiB of symbols drawn like clustered weight indices (a few values common, most rare:
// geometric, p = 0.25), 1 thread. Counter MB/s = decoded symbols (bytes) per second.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "runtime/coding/huffman.h"

namespace qforge {
namespace {

std::vector<uint8_t> Symbols(size_t n) {
  std::mt19937 rng(4);
  std::geometric_distribution<int> geometric(0.25);
  std::vector<uint8_t> s(n);
  for (auto& x : s) x = static_cast<uint8_t>(std::min(geometric(rng), 255));
  return s;
}

void BM_HuffmanDecode(benchmark::State& state) {
  const std::vector<uint8_t> symbols = Symbols(size_t{1} << 20);
  const std::vector<uint8_t> coded = runtime::coding::HuffmanEncode(symbols);
  std::vector<uint8_t> out;
  for (auto _ : state) {
    const std::string error = runtime::coding::HuffmanDecode(coded.data(), coded.size(), &out);
    if (!error.empty()) state.SkipWithError(error.c_str());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(symbols.size()));
  state.counters["coded_bits_per_symbol"] = 8.0 * static_cast<double>(coded.size()) / static_cast<double>(symbols.size());
}

void BM_HuffmanEncode(benchmark::State& state) {
  const std::vector<uint8_t> symbols = Symbols(size_t{1} << 20);
  for (auto _ : state) benchmark::DoNotOptimize(runtime::coding::HuffmanEncode(symbols).data());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(symbols.size()));
}

BENCHMARK(BM_HuffmanDecode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HuffmanEncode)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace qforge

BENCHMARK_MAIN();
