// Per-image cost of reading a training image from disk: the file's bytes (ReadFileBytes), its
// PNG/JPEG decoding (DecodeImage), both together. The streamed loader pays these per example.
// Usage: image_read_bench FOLDER [--benchmark_...]   (FOLDER: e.g. an image folder's train/bag)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "data/file_bytes.h"
#include "data/image_decode.h"

namespace {

std::vector<std::string> g_files;

void ReadBytes(benchmark::State& state) {
  size_t i = 0;
  for (auto _ : state) {
    auto bytes = qforge::ReadFileBytes(g_files[i++ % g_files.size()]);
    benchmark::DoNotOptimize(bytes);
  }
}

void Decode(benchmark::State& state) {
  std::vector<std::vector<uint8_t>> files;
  for (size_t i = 0; i < std::min<size_t>(g_files.size(), 1000); ++i) files.push_back(*qforge::ReadFileBytes(g_files[i]));
  size_t i = 0;
  for (auto _ : state) {
    auto image = qforge::DecodeImage(files[i++ % files.size()], "image");
    benchmark::DoNotOptimize(image);
  }
}

void ReadAndDecode(benchmark::State& state) {
  size_t i = 0;
  for (auto _ : state) {
    auto image = qforge::DecodeImage(*qforge::ReadFileBytes(g_files[i % g_files.size()]), g_files[i % g_files.size()]);
    ++i;
    benchmark::DoNotOptimize(image);
  }
}

BENCHMARK(ReadBytes);
BENCHMARK(Decode);
BENCHMARK(ReadAndDecode);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (argc != 2) {
    std::fprintf(stderr, "usage: image_read_bench FOLDER_OF_IMAGES [--benchmark_...]\n");
    return 2;
  }
  for (const auto& entry : std::filesystem::directory_iterator(argv[1]))
    if (qforge::IsImagePath(entry.path().string())) g_files.push_back(entry.path().string());
  std::sort(g_files.begin(), g_files.end());
  if (g_files.empty()) {
    std::fprintf(stderr, "%s: no .png or .jpg images\n", argv[1]);
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
