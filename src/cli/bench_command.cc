// `qforge bench MODEL [MORE ...] [--batch B --threads T --min-seconds S --json]`: latency
// (median and 90th percentile of single inference calls) and throughput on a synthetic batch.
// A .qfm runs on the runtime (the best ISA the CPU supports; QFORGE_ISA caps it); a .ckpt runs
// qforge's float inference of the trained graph (oneDNN convolutions and dense layers, the
// training engine's forward pass). With several models — e.g. a checkpoint and its int8
// .qfm — a table of all, each one's speed relative to the first.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/commands.h"
#include "core/threading.h"
#include "train/checkpoint.h"
#include "train/executor.h"
#include "runtime/interpreter.h"
#include "runtime/kernels/peak.h"

namespace qforge::cli {
namespace {

struct BenchFlags {
  std::vector<std::string> models;
  int batch = 1, threads = 1;
  double min_seconds = 1.0;
  bool json = false, profile = false;
};

struct BenchResult {
  std::string model, isa;
  int64_t model_bytes = 0, iterations = 0;
  double median_ms = 0, p90_ms = 0, samples_per_second = 0;
  std::string profile;  // per-operator time split (runtime models, --profile)
};

// Multiply-accumulates per Invoke of a convolution, depthwise convolution or dense layer
// (output elements x weights per output channel); 0 for other operators.
int64_t MultiplyAccumulates(const qfm::Operator& op, const std::vector<runtime::RuntimeTensor>& tensors) {
  const qfm::OpType type = op.type();
  if (type != qfm::OpType::CONV_2D && type != qfm::OpType::DEPTHWISE_CONV_2D && type != qfm::OpType::FULLY_CONNECTED)
    return 0;
  const runtime::RuntimeTensor& filter = tensors[op.inputs()->Get(1)];
  const runtime::RuntimeTensor& output = tensors[op.outputs()->Get(0)];
  // Filters: conv [out_c, kh, kw, in_c], depthwise [1, kh, kw, out_c], dense [n, k].
  const int channels = type == qfm::OpType::DEPTHWISE_CONV_2D ? filter.shape.back() : filter.shape.front();
  return channels > 0 ? output.elements * (filter.elements / channels) : 0;
}

// Fills every input with a fixed pattern inside its type's range.
void FillInputs(runtime::Interpreter& it) {
  for (int i = 0; i < it.num_inputs(); ++i) {
    const runtime::RuntimeTensor& t = it.input(i);
    auto* bytes = static_cast<uint8_t*>(t.data);
    for (int64_t b = 0; b < t.bytes; ++b) bytes[b] = static_cast<uint8_t>((b * 37) % 97);
    if (t.dtype == qfm::DType::FLOAT32)
      for (int64_t e = 0; e < t.elements; ++e) t.as<float>()[e] = static_cast<float>((e * 37) % 97) / 97.0f;
  }
}

constexpr int kWarmupCalls = 3;

// Times `step` (at least 10 calls and min_seconds) after kWarmupCalls warm-up calls.
template <typename Step>
Status Time(const BenchFlags& f, Step&& step, BenchResult* r) {
  for (int warmup = 0; warmup < kWarmupCalls; ++warmup) QF_RETURN_IF_ERROR(step());
  std::vector<double> ms;
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  while (ms.size() < 10 || std::chrono::duration<double>(Clock::now() - start).count() < f.min_seconds) {
    const auto t0 = Clock::now();
    QF_RETURN_IF_ERROR(step());
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  r->iterations = static_cast<int64_t>(ms.size());
  r->median_ms = ms[ms.size() / 2];
  r->p90_ms = ms[std::min(ms.size() - 1, ms.size() * 9 / 10)];
  r->samples_per_second = f.batch * 1000.0 / r->median_ms;
  return Status::Ok();
}

StatusOr<BenchResult> BenchCheckpoint(const std::string& path, const BenchFlags& f) {
  QF_ASSIGN_OR_RETURN(Checkpoint ck, LoadCheckpoint(path));
  if (ck.graph.inputs().size() != 1) return InvalidArgument("{}: bench supports models with one input", path);
  SetNumThreads(f.threads);
  Shape shape = ck.graph.values()[ck.graph.inputs()[0]].shape;
  shape[0] = f.batch;
  Tensor x(shape);
  for (int64_t e = 0; e < x.size(); ++e) x[e] = static_cast<float>((e * 37) % 97) / 97.0f;
  Executor exec(&ck.graph, Backend::kFast);
  BenchResult r;
  r.model = path;
  r.isa = "float (oneDNN)";
  std::error_code error;
  r.model_bytes = static_cast<int64_t>(std::filesystem::file_size(path, error));
  QF_RETURN_IF_ERROR(Time(f, [&] { return exec.Forward({&x}, /*training=*/false); }, &r));
  return r;
}

StatusOr<BenchResult> BenchOne(const std::string& path, const BenchFlags& f) {
  if (path.size() > 5 && path.compare(path.size() - 5, 5, ".ckpt") == 0) return BenchCheckpoint(path, f);
  QF_ASSIGN_OR_RETURN(std::shared_ptr<const runtime::Model> model, runtime::Model::Load(path));
  runtime::InterpreterOptions options;
  options.batch_size = f.batch;
  options.threads = f.threads;
  options.profile = f.profile;
  QF_ASSIGN_OR_RETURN(std::unique_ptr<runtime::Interpreter> it, runtime::Interpreter::Create(model, options));
  FillInputs(*it);
  BenchResult r;
  r.model = path;
  // The ISA, if any operator runs an optimized kernel; "ref" when all run the reference (float
  // models do).
  const std::vector<std::string> kernels = it->kernel_names();
  const bool optimized = std::any_of(kernels.begin(), kernels.end(), [](const std::string& k) { return k != "ref"; });
  r.isa = optimized ? runtime::IsaName(it->isa()) : "ref";
  r.model_bytes = model->size_bytes();
  QF_RETURN_IF_ERROR(Time(f, [&] { return it->Invoke(); }, &r));
  if (f.profile) {
    const std::vector<double>& seconds = it->op_seconds();
    double total = 0.0;
    for (double s : seconds) total += s;
    // The yardstick: this core's int8 peak (times the threads), measured now.
    const double peak = runtime::MeasureInt8PeakGops(it->isa()) * f.threads;
    if (peak > 0) r.profile += fmt::format("  int8 peak, measured now: {:.0f} GOPS ({} x 1 core)\n", peak, f.threads);
    r.profile += fmt::format("  {:>3} {:<20} {:<36} {:>6} {:>8} {:>8}\n", "op", "type", "kernel", "time", "GOPS",
                             peak > 0 ? "of peak" : "");
    const qfm::Model& m = model->flat();
    const auto invokes = static_cast<double>(r.iterations + kWarmupCalls);  // warm-up calls are profiled too
    for (size_t k = 0; k < seconds.size(); ++k) {
      const qfm::Operator& op = *m.operators()->Get(static_cast<flatbuffers::uoffset_t>(k));
      const int64_t macs = MultiplyAccumulates(op, it->tensors());
      const double gops = macs > 0 && seconds[k] > 0 ? 2.0 * macs * invokes / seconds[k] / 1e9 : 0.0;
      r.profile += fmt::format("  {:3} {:<20} {:<36} {:5.1f}% {:>8} {:>8}\n", k, qfm::EnumNameOpType(op.type()),
                               it->kernel_names()[k], 100.0 * seconds[k] / std::max(total, 1e-12),
                               gops > 0 ? fmt::format("{:.1f}", gops) : "",
                               gops > 0 && peak > 0 ? fmt::format("{:.0f}%", 100.0 * gops / peak) : "");
    }
  }
  return r;
}

Status RunBench(const BenchFlags& f) {
  if (f.batch < 1 || f.batch > 4096) return InvalidArgument("--batch must be in 1..4096, not {}", f.batch);
  if (f.threads < 1 || f.threads > 256) return InvalidArgument("--threads must be in 1..256, not {}", f.threads);
  if (!(f.min_seconds > 0.0 && f.min_seconds <= 600.0)) return InvalidArgument("--min-seconds must be in (0, 600]");
  std::vector<BenchResult> results;
  for (const std::string& path : f.models) {
    QF_ASSIGN_OR_RETURN(BenchResult r, BenchOne(path, f));
    results.push_back(std::move(r));
  }
  const double base = results[0].median_ms;
  if (f.json) {
    nlohmann::json rows = nlohmann::json::array();
    for (const BenchResult& r : results)
      rows.push_back({{"model", r.model}, {"isa", r.isa}, {"model_bytes", r.model_bytes}, {"iterations", r.iterations},
                      {"median_ms", r.median_ms}, {"p90_ms", r.p90_ms}, {"samples_per_second", r.samples_per_second},
                      {"speedup_vs_first", base / r.median_ms}});
    fmt::print("{}\n", nlohmann::json{{"batch", f.batch}, {"threads", f.threads}, {"results", rows}}.dump());
    return Status::Ok();
  }
  fmt::print("batch {}, {} thread{}\n", f.batch, f.threads, f.threads > 1 ? "s" : "");
  size_t width = 5;
  for (const BenchResult& r : results) width = std::max(width, r.model.size());
  fmt::print("{:<{}} {:>14} {:>11} {:>11} {:>11} {:>9}\n", "model", width, "kernels", "median ms", "p90 ms",
             "samples/s", "vs first");
  for (const BenchResult& r : results)
    fmt::print("{:<{}} {:>14} {:>11.3f} {:>11.3f} {:>11.0f} {:>8.2f}x\n", r.model, width, r.isa, r.median_ms, r.p90_ms,
               r.samples_per_second, base / r.median_ms);
  for (const BenchResult& r : results)
    if (!r.profile.empty()) fmt::print("\n{}: time per operator\n{}", r.model, r.profile);
  return Status::Ok();
}

}  // namespace

Command AddBenchCommand(CLI::App& app) {
  auto f = std::make_shared<BenchFlags>();
  auto* cmd = app.add_subcommand("bench", "latency and throughput of .qfm models (several: compared with the first)");
  cmd->add_option("models", f->models, "runtime models (.qfm) or checkpoints (.ckpt, float inference)")->required();
  cmd->add_option("--batch", f->batch, "samples per Invoke (default 1)");
  cmd->add_option("--threads", f->threads, "threads of the kernels (default 1)");
  cmd->add_option("--min-seconds", f->min_seconds, "time each model at least this long (default 1)");
  cmd->add_flag("--profile", f->profile, "also print each runtime model's time split per operator");
  cmd->add_flag("--json", f->json, "print one JSON object on stdout");
  return [f]() { return RunBench(*f); };
}

}  // namespace qforge::cli
