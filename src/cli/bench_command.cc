// `qforge bench MODEL [MORE ...] [--batch B --threads T[,T...] --isa I[,I...] --min-seconds S --profile --json]`
// (batch 64 and all cores unless given):
// latency (median and 90th percentile of single inference calls) and throughput on a synthetic
// batch; several models (and thread counts) take turns in rounds, so their ratios come from the
// same stretch of time.
// A .qfm runs on the runtime (the best ISA the CPU supports; QFORGE_ISA caps it); a .ckpt runs
// qforge's float inference of the trained graph (oneDNN convolutions and dense layers, the
// training engine's forward pass). With several models — e.g. a checkpoint and its int8
// .qfm — a table of all, each one's speed relative to the first.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/commands.h"
#include "workflow/model_files.h"
#include "interop/onnx/onnx_import.h"
#include "core/threading.h"
#include "train/checkpoint.h"
#include "train/executor.h"
#include "runtime/interpreter.h"
#include "runtime/kernels/peak.h"

namespace qforge::cli {
namespace {

struct BenchFlags {
  std::vector<std::string> models;
  int64_t batch = kDefaultBatch;
  std::vector<int> threads{0};  // each model runs at each count; 0 = all cores
  std::vector<std::string> isas;  // each runtime model runs under each ISA cap; empty: the process's
  std::vector<std::string> sparse;  // each runtime model runs with each: "auto" (sparse kernels allowed), "off"
  double min_seconds = 1.0;
  bool json = false, profile = false;
};

struct BenchResult {
  std::string model, isa;
  int threads = 1;
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
// The models take turns, this many rounds of min_seconds / kRounds each, so that a change in
// the shared machine's load between them moves every model's times alike.
constexpr int kRounds = 5;

// One model prepared for timing: `step` runs one inference; `report` fills the result's
// per-operator profile after the timing (runtime models with --profile).
struct BenchTarget {
  BenchResult result;
  std::function<Status()> step;
  std::function<void(BenchResult*, int64_t calls)> report;
  std::vector<double> ms;
};

StatusOr<BenchTarget> PrepareCheckpoint(const std::string& path, int threads, const BenchFlags& f) {
  QF_ASSIGN_OR_RETURN(Checkpoint loaded, LoadModelFile(path));
  auto ck = std::make_shared<Checkpoint>(std::move(loaded));
  if (ck->graph.inputs().size() != 1) return InvalidArgument("{}: bench supports models with one input", path);
  Shape shape = ck->graph.values()[ck->graph.inputs()[0]].shape;
  shape[0] = f.batch;  // int64 dimension
  auto x = std::make_shared<Tensor>(shape);
  for (int64_t e = 0; e < x->size(); ++e) (*x)[e] = static_cast<float>((e * 37) % 97) / 97.0f;
  auto exec = std::make_shared<Executor>(&ck->graph, Backend::kFast);
  BenchTarget t;
  t.result.model = path;
  t.result.isa = "float (oneDNN)";
  t.result.threads = threads;
  std::error_code error;
  t.result.model_bytes = static_cast<int64_t>(std::filesystem::file_size(path, error));
  t.step = [ck, x, exec, threads] {
    SetNumThreads(threads);  // the training engine's threads are per process
    return exec->Forward({x.get()}, /*training=*/false);
  };
  return t;
}

// The per-operator time split, with GOPS and the fraction of the measured int8 or float peak.
std::string Profile(const runtime::Interpreter& it, int threads, int64_t calls) {
  const std::vector<double>& seconds = it.op_seconds();
  double total = 0.0;
  for (double s : seconds) total += s;
  std::string out;
  const qfm::Model& m = it.model().flat();
  // The yardsticks: this core's int8 and float peaks (times the threads), measured now. Float
  // operators — a float output and no int8 weights (dynamic-range layers run int8 kernels) — are
  // measured against the float one.
  auto float_output = [&](const qfm::Operator& op) {
    if (op.outputs()->size() == 0 || it.tensors()[op.outputs()->Get(0)].dtype != qfm::DType::FLOAT32) return false;
    return op.inputs()->size() < 2 || op.inputs()->Get(1) < 0 ||
           it.tensors()[op.inputs()->Get(1)].dtype != qfm::DType::INT8;
  };
  bool any_float = false;
  for (const qfm::Operator* op : *m.operators()) any_float = any_float || (float_output(*op) && MultiplyAccumulates(*op, it.tensors()) > 0);
  const double int8_peak = runtime::MeasureInt8PeakGops(it.isa()) * threads;
  const double float_peak = any_float ? runtime::MeasureFloatPeakGflops(it.isa()) * threads : 0.0;
  if (int8_peak > 0) out += fmt::format("  int8 peak, measured now: {:.0f} GOPS ({} x 1 core)\n", int8_peak, threads);
  if (float_peak > 0)
    out += fmt::format("  float peak, measured now: {:.0f} GFLOPS ({} x 1 core)\n", float_peak, threads);
  out += fmt::format("  {:>3} {:<20} {:<36} {:>6} {:>8} {:>8}\n", "op", "type", "kernel", "time", "GOPS",
                     int8_peak > 0 ? "of peak" : "");
  for (size_t k = 0; k < seconds.size(); ++k) {
    const qfm::Operator& op = *m.operators()->Get(static_cast<flatbuffers::uoffset_t>(k));
    const int64_t macs = MultiplyAccumulates(op, it.tensors());
    const double peak = float_output(op) ? float_peak : int8_peak;
    const double gops = macs > 0 && seconds[k] > 0 ? 2.0 * macs * calls / seconds[k] / 1e9 : 0.0;
    out += fmt::format("  {:3} {:<20} {:<36} {:5.1f}% {:>8} {:>8}\n", k, qfm::EnumNameOpType(op.type()),
                       it.kernel_names()[k], 100.0 * seconds[k] / std::max(total, 1e-12),
                       gops > 0 ? fmt::format("{:.1f}", gops) : "",
                       gops > 0 && peak > 0 ? fmt::format("{:.0f}%", 100.0 * gops / peak) : "");
  }
  // The same time by operator type, largest share first.
  std::map<std::string, std::pair<int, double>> by_type;  // type -> (operators, seconds)
  for (size_t k = 0; k < seconds.size(); ++k) {
    auto& [count, time] = by_type[qfm::EnumNameOpType(m.operators()->Get(static_cast<flatbuffers::uoffset_t>(k))->type())];
    ++count;
    time += seconds[k];
  }
  std::vector<std::pair<std::string, std::pair<int, double>>> types(by_type.begin(), by_type.end());
  std::sort(types.begin(), types.end(), [](const auto& a, const auto& b) { return a.second.second > b.second.second; });
  out += "  by operator type:\n";
  for (const auto& [type, stats] : types)
    out += fmt::format("      {:<20} {:>3} ops {:5.1f}%\n", type, stats.first, 100.0 * stats.second / std::max(total, 1e-12));
  return out;
}

bool IsFloatModelPath(const std::string& path) {
  const bool checkpoint = path.size() > 5 && path.compare(path.size() - 5, 5, ".ckpt") == 0;
  return checkpoint || onnx_import::IsOnnxPath(path);
}

// `isa`: the cap for a runtime model's kernels ("" for the process's ISA); `sparse`: "auto",
// "off" or "" (auto, not shown).
StatusOr<BenchTarget> Prepare(const std::string& path, int threads, const std::string& isa, const std::string& sparse,
                              const BenchFlags& f) {
  if (IsFloatModelPath(path)) return PrepareCheckpoint(path, threads, f);
  QF_ASSIGN_OR_RETURN(std::shared_ptr<const runtime::Model> model, runtime::Model::Load(path));
  runtime::InterpreterOptions options;
  options.batch_size = static_cast<int>(f.batch);
  options.threads = threads;
  if (!isa.empty()) {
    QF_ASSIGN_OR_RETURN(options.max_isa, runtime::ParseIsa(isa));
  }
  options.sparse_kernels = sparse != "off";
  options.profile = f.profile;
  QF_ASSIGN_OR_RETURN(std::unique_ptr<runtime::Interpreter> created, runtime::Interpreter::Create(model, options));
  std::shared_ptr<runtime::Interpreter> it = std::move(created);
  FillInputs(*it);
  BenchTarget t;
  t.result.model = path;
  t.result.threads = threads;
  // The ISA, if any operator runs an optimized kernel; "ref" when all run the reference (float
  // models do).
  const std::vector<std::string> kernels = it->kernel_names();
  const bool optimized = std::any_of(kernels.begin(), kernels.end(), [](const std::string& k) { return k != "ref"; });
  t.result.isa = optimized ? runtime::IsaName(it->isa()) : "ref";
  if (!sparse.empty()) t.result.isa += sparse == "off" ? " dense" : " sparse";
  t.result.model_bytes = model->size_bytes();
  t.step = [it] { return it->Invoke(); };
  if (f.profile)
    t.report = [it, threads](BenchResult* r, int64_t calls) { r->profile = Profile(*it, threads, calls); };
  return t;
}

// Warm-up calls, then kRounds rounds in which every model runs for min_seconds / kRounds (and
// at least twice); medians and 90th percentiles over all of a model's calls.
Status TimeAll(const BenchFlags& f, std::vector<BenchTarget>* targets) {
  using Clock = std::chrono::steady_clock;
  for (BenchTarget& t : *targets)
    for (int warmup = 0; warmup < kWarmupCalls; ++warmup) QF_RETURN_IF_ERROR(t.step());
  for (int round = 0; round < kRounds; ++round)
    for (BenchTarget& t : *targets) {
      const auto start = Clock::now();
      for (int calls = 0; calls < 2 || std::chrono::duration<double>(Clock::now() - start).count() < f.min_seconds / kRounds;
           ++calls) {
        const auto t0 = Clock::now();
        QF_RETURN_IF_ERROR(t.step());
        t.ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
    }
  for (BenchTarget& t : *targets) {
    std::sort(t.ms.begin(), t.ms.end());
    BenchResult& r = t.result;
    r.iterations = static_cast<int64_t>(t.ms.size());
    r.median_ms = t.ms[t.ms.size() / 2];
    r.p90_ms = t.ms[std::min(t.ms.size() - 1, t.ms.size() * 9 / 10)];
    r.samples_per_second = f.batch * 1000.0 / r.median_ms;
    if (t.report) t.report(&r, r.iterations + kWarmupCalls);  // warm-up calls are profiled too
  }
  return Status::Ok();
}

Status CheckBench(const BenchFlags& f) {
  if (f.threads.empty()) return InvalidArgument("--threads needs at least one count");
  for (const std::string& isa : f.isas)
    if (const StatusOr<runtime::Isa> parsed = runtime::ParseIsa(isa); !parsed.ok())
      return InvalidArgument("--isa: {}", parsed.status().message());
  for (const std::string& mode : f.sparse)
    if (mode != "auto" && mode != "off") return InvalidArgument("--sparse: '{}' is neither auto nor off", mode);
  if (!(f.min_seconds > 0.0 && f.min_seconds <= 600.0)) return InvalidArgument("--min-seconds must be in (0, 600]");
  return Status::Ok();
}

Status RunBench(const BenchFlags& f) {
  std::vector<BenchTarget> targets;
  const std::vector<std::string> isas = f.isas.empty() ? std::vector<std::string>{""} : f.isas;
  const std::vector<std::string> sparse = f.sparse.empty() ? std::vector<std::string>{""} : f.sparse;
  for (const std::string& path : f.models) {
    const bool checkpoint = IsFloatModelPath(path);  // oneDNN's own ISA and kernels
    for (size_t i = 0; i < (checkpoint ? 1 : isas.size()); ++i)
      for (size_t j = 0; j < (checkpoint ? 1 : sparse.size()); ++j)
        for (int threads : f.threads) {
          QF_ASSIGN_OR_RETURN(BenchTarget t, Prepare(path, ResolveThreads(threads), isas[i], sparse[j], f));
          targets.push_back(std::move(t));
        }
  }
  QF_RETURN_IF_ERROR(TimeAll(f, &targets));
  std::vector<BenchResult> results;
  for (BenchTarget& t : targets) results.push_back(std::move(t.result));
  const double base = results[0].median_ms;
  if (f.json) {
    nlohmann::json rows = nlohmann::json::array();
    for (const BenchResult& r : results) {
      rows.push_back({{"model", r.model}, {"isa", r.isa}, {"threads", r.threads}, {"model_bytes", r.model_bytes},
                      {"iterations", r.iterations},
                      {"median_ms", r.median_ms}, {"p90_ms", r.p90_ms}, {"samples_per_second", r.samples_per_second},
                      {"speedup_vs_first", base / r.median_ms}});
      if (!r.profile.empty()) rows.back()["profile"] = r.profile;  // --profile: the per-operator table
    }
    fmt::print("{}\n", nlohmann::json{{"batch", f.batch}, {"results", rows}}.dump());
    return Status::Ok();
  }
  fmt::print("batch {}\n", f.batch);
  size_t width = 5;
  for (const BenchResult& r : results) width = std::max(width, r.model.size());
  fmt::print("{:<{}} {:>17} {:>7} {:>11} {:>11} {:>11} {:>9}\n", "model", width, "kernels", "threads", "median ms",
             "p90 ms", "samples/s", "vs first");
  for (const BenchResult& r : results)
    fmt::print("{:<{}} {:>17} {:>7} {:>11.3f} {:>11.3f} {:>11.0f} {:>8.2f}x\n", r.model, width, r.isa, r.threads,
               r.median_ms, r.p90_ms, r.samples_per_second, base / r.median_ms);
  for (const BenchResult& r : results)
    if (!r.profile.empty()) fmt::print("\n{}, {} thread(s): time per operator\n{}", r.model, r.threads, r.profile);
  return Status::Ok();
}

}  // namespace

Command AddBenchCommand(CLI::App& app) {
  auto f = std::make_shared<BenchFlags>();
  auto* cmd = app.add_subcommand("bench", "latency and throughput of .qfm models (several: compared with the first)");
  cmd->add_option("models", f->models, "runtime models (.qfm), checkpoints (.ckpt) or ONNX models (.onnx), the last two in float")->required();
  AddBatchFlag(*cmd, &f->batch, "samples per inference call (default 64)");
  AddThreadListFlag(*cmd, &f->threads);
  cmd->add_option("--min-seconds", f->min_seconds, "time each model at least this long")->capture_default_str();
  cmd->add_option("--isa", f->isas,
                  "cap runtime models' kernels at these ISAs, each in turn: ref, avx2, avx512vnni, avx512vbmi (a list "
                  "such as ref,avx512vnni times the reference and the optimized kernels in one interleaved run)")
      ->delimiter(',');
  cmd->add_option("--sparse", f->sparse,
                  "sparse kernels for pruned int8 layers, each in turn: auto (where the cost model expects them to be "
                  "faster; the default) or off (dense kernels only); auto,off compares them in one interleaved run")
      ->delimiter(',');
  cmd->add_flag("--profile", f->profile, "also print each runtime model's time split per operator");
  AddJsonFlag(*cmd, &f->json);
  SetExamples(*cmd, {"qforge bench runs/lenet5/model.ckpt int8.qfm",
                     "qforge bench int8.qfm --batch 1 --threads 1,2 --profile",
                     "qforge bench float.qfm int16x8.qfm --isa ref,avx512vnni",
                     "qforge bench pruned-int8.qfm --sparse auto,off --profile",
                     "qforge bench float.qfm int8.qfm --min-seconds 3 --json"});
  return {[f] { return CheckBench(*f); }, [f] { return RunBench(*f); }};
}

}  // namespace qforge::cli
