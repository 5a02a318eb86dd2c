// `qforge quantize CKPT --mode M --out FILE.qfm`: post-training conversion of a float
// checkpoint to a runtime model (float, float16, dynamic, int8, int16x8), calibrated on
// training images for the integer modes — under mpirun, each rank calibrating on its share.
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/commands.h"
#include "workflow/model_files.h"
#include "workflow/model_input.h"
#include "cli/auto_mixed.h"
#include "cli/data_flags.h"
#include "cli/distributed_flags.h"
#include "data/file_bytes.h"
#include "quant/ptq.h"
#include "quant/qat_export.h"

namespace qforge::cli {
namespace {

struct QuantizeFlags {
  std::string checkpoint, out, mode = "int8", method = "minmax";
  DataFlags data;
  int64_t samples = 1000;
  double percentile = 99.99;
  uint64_t seed = 1;
  bool bias_correction = false, int8_io = false, json = false;
  std::vector<std::string> keep_float, int16, int8;  // mixed precision: nodes per mode
  bool per_tensor = false, equalize = false, adaround = false;
  int weight_bits = 8;
  quant::AdaRoundOptions adaround_options;
  AutoMixedFlags auto_mixed;
  DistributedFlags distributed;
  int threads = 0;
};

// The modes the mixed-precision flags give nodes; a node named twice is an error.
StatusOr<std::map<std::string, convert::Mode>> NodeModes(const QuantizeFlags& f) {
  std::map<std::string, convert::Mode> modes;
  const std::pair<const std::vector<std::string>*, convert::Mode> lists[] = {
      {&f.keep_float, convert::Mode::kFloat}, {&f.int16, convert::Mode::kInt16x8}, {&f.int8, convert::Mode::kInt8}};
  for (const auto& [names, mode] : lists)
    for (const std::string& name : *names) {
      if (name.empty()) return InvalidArgument("an empty node name in --keep-float, --int16 or --int8");
      if (!modes.emplace(name, mode).second) return InvalidArgument("node '{}' is named twice in --keep-float, --int16, --int8", name);
    }
  return modes;
}

StatusOr<quant::PtqOptions> PtqOptionsOf(const QuantizeFlags& f) {
  quant::PtqOptions o;
  QF_ASSIGN_OR_RETURN(o.mode, convert::ParseMode(f.mode));
  QF_ASSIGN_OR_RETURN(o.calibration.method, quant::ParseCalibrationMethod(f.method));
  if (f.int8_io && !convert::NeedsRanges(o.mode)) return InvalidArgument("--int8-io needs --mode int8 or int16x8");
  o.calibration.percentile = f.percentile;
  o.calibration_samples = f.samples;
  o.seed = f.seed;
  o.bias_correction = f.bias_correction;
  o.int8_io = f.int8_io;
  QF_ASSIGN_OR_RETURN(o.node_modes, NodeModes(f));
  o.per_tensor_weights = f.per_tensor;
  o.weight_bits = f.weight_bits;
  o.equalize = f.equalize;
  o.adaround = f.adaround;
  o.adaround_options = f.adaround_options;
  o.adaround_options.seed = f.seed;
  QF_RETURN_IF_ERROR(quant::CheckPtqOptions(o));
  QF_RETURN_IF_ERROR(f.auto_mixed.Check(o.mode));
  return o;
}

Status CheckQuantize(const QuantizeFlags& f) { return PtqOptionsOf(f).status(); }

nlohmann::json EqualizationJson(const quant::EqualizeReport& r) {
  return {{"pairs", r.pairs}, {"relu6_replaced", r.relu6_replaced}, {"sweeps", r.sweeps},
          {"absorbed_channels", r.absorbed_channels}};
}

nlohmann::json AdaRoundJson(const std::vector<quant::AdaRoundLayer>& layers) {
  nlohmann::json j = nlohmann::json::array();
  for (const quant::AdaRoundLayer& l : layers)
    j.push_back(l.skipped.empty() ? nlohmann::json{{"layer", l.layer}, {"weights", l.weights}, {"flipped", l.flipped},
                                                   {"nearest_error", l.nearest_error}, {"adaround_error", l.adaround_error}}
                                  : nlohmann::json{{"layer", l.layer}, {"weights", l.weights}, {"skipped", l.skipped}});
  return j;
}

// The quantization on this rank of the job (the whole of it in a one-process job).
Status QuantizeOnRank(const QuantizeFlags& f, distributed::Communicator& comm) {
  QF_ASSIGN_OR_RETURN(quant::PtqOptions o, PtqOptionsOf(f));
  if (comm.size() > 1) {
    if (f.auto_mixed.enabled) return InvalidArgument("--auto-mixed runs in one process: use it outside a multi-process job");
    o.replicas = &comm;
  }
  const std::string out = f.distributed.RankFile(comm, f.out);
  QF_ASSIGN_OR_RETURN(Checkpoint ck, LoadModelFile(f.checkpoint));
  if (quant::IsQatGraph(ck.graph))
    return InvalidArgument("{} is a quantization-aware trained model; convert it with `qforge convert`", f.checkpoint);
  TrainTestData data;
  if (convert::NeedsRanges(o.mode)) {
    QF_ASSIGN_OR_RETURN(const InputSpec spec, ModelInputSpec(ck, f.checkpoint));
    QF_ASSIGN_OR_RETURN(data, f.data.Load(spec));  // labels are not needed: calibration only
  }
  if (f.auto_mixed.enabled) QF_RETURN_IF_ERROR(RequireLabels(data.test, "--auto-mixed (its accuracies)"));
  QF_ASSIGN_OR_RETURN(const quant::PtqSession session,
                      quant::PtqSession::Create(ck, convert::NeedsRanges(o.mode) ? &data.train : nullptr, o));
  const quant::PtqReport& report = session.report();
  std::vector<uint8_t> bytes;
  AutoMixedOutcome search;
  if (f.auto_mixed.enabled) {
    QF_ASSIGN_OR_RETURN(search, RunAutoMixed(session, data.test, f.auto_mixed, ResolveThreads(f.threads)));
    bytes = std::move(search.model);
  } else {
    QF_ASSIGN_OR_RETURN(bytes, session.Emit());
  }
  if (!out.empty()) QF_RETURN_IF_ERROR(WriteFileAtomically(out, bytes));
  if (!comm.is_root()) return Status::Ok();
  if (f.json) {
    nlohmann::json j{{"out", f.out}, {"mode", f.mode}, {"model_bytes", bytes.size()}};
    if (convert::NeedsRanges(o.mode))
      j["calibration"] = {{"method", f.method}, {"samples", std::min<int64_t>(f.samples, data.train.count)},
                          {"bias_correction", f.bias_correction}};
    if (f.equalize) j["equalization"] = EqualizationJson(report.equalization);
    if (f.adaround) j["adaround"] = AdaRoundJson(report.adaround);
    if (f.auto_mixed.enabled) j["auto_mixed"] = search.json;
    fmt::print("{}\n", j.dump());
  } else {
    fmt::print("{}: {} model, {} bytes{}\n", f.out, f.mode, bytes.size(),
               convert::NeedsRanges(o.mode) ? fmt::format(" (calibration: {}, {} samples{})", f.method,
                                                         std::min<int64_t>(f.samples, data.train.count),
                                                         f.bias_correction ? ", bias correction" : "")
                                            : "");
    if (f.equalize)
      fmt::print("cross-layer equalization: {} layer pairs ({} ReLU6 made ReLU), {} sweeps, {} channels' biases absorbed\n",
                 report.equalization.pairs, report.equalization.relu6_replaced, report.equalization.sweeps,
                 report.equalization.absorbed_channels);
    for (const quant::AdaRoundLayer& l : report.adaround)
      if (l.skipped.empty())
        fmt::print("adaround {}: {} weights, {:.1f}% rounded the other way, output error {:.4g} -> {:.4g}\n", l.layer,
                   l.weights, 100.0 * l.flipped, l.nearest_error, l.adaround_error);
      else
        fmt::print("adaround {}: nearest rounding ({})\n", l.layer, l.skipped);
    fmt::print("{}", search.text);
  }
  return Status::Ok();
}

Status RunQuantize(const QuantizeFlags& f) {
  return f.distributed.RunOnRank(f.threads, [&f](distributed::Communicator& comm) { return QuantizeOnRank(f, comm); });
}

}  // namespace

Command AddQuantizeCommand(CLI::App& app) {
  auto f = std::make_shared<QuantizeFlags>();
  auto* cmd = app.add_subcommand("quantize", "convert a float checkpoint to a .qfm runtime model (post-training)");
  cmd->add_option("checkpoint", f->checkpoint, "float checkpoint (.ckpt) or ONNX model (.onnx)")->required();
  AddOutFlag(*cmd, &f->out, "the model file to write (.qfm)")->required();
  cmd->add_option("--mode", f->mode, "int8 | int16x8 | dynamic | float16 | float")->capture_default_str();
  cmd->add_option("--calib-method", f->method, "minmax | percentile | mse | kl")->capture_default_str();
  cmd->add_option("--calib-samples", f->samples, "training images used for calibration")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 24))->capture_default_str();
  cmd->add_option("--percentile", f->percentile, "percentile method: keep this % of values on each side")
      ->check(CLI::Range(50.0, 100.0))->capture_default_str();
  cmd->add_option("--seed", f->seed, "which training images calibrate")->capture_default_str();
  cmd->add_flag("--bias-correction", f->bias_correction, "correct the output shift caused by weight rounding");
  cmd->add_flag("--int8-io", f->int8_io, "integer model input and output (no QUANTIZE/DEQUANTIZE)");
  cmd->add_option("--keep-float", f->keep_float, "mixed precision: these nodes' layers run in float (comma-separated)")
      ->delimiter(',');
  cmd->add_option("--int16", f->int16, "mixed precision: these nodes' layers run in int16x8")->delimiter(',');
  cmd->add_option("--int8", f->int8, "mixed precision: these nodes' layers run in int8 (in an int16x8 model)")->delimiter(',');
  cmd->add_flag("--per-tensor", f->per_tensor, "one weight scale per tensor (default: per output channel)");
  cmd->add_option("--weight-bits", f->weight_bits, "b-bit weights in int8 containers")->check(CLI::Range(2, 8))->capture_default_str();
  cmd->add_flag("--equalize", f->equalize, "cross-layer equalization with bias absorption (Nagel et al. 2019)");
  cmd->add_flag("--adaround", f->adaround, "learned rounding of the weights (AdaRound, Nagel et al. 2020)");
  quant::AdaRoundOptions& ada = f->adaround_options;
  cmd->add_option("--adaround-iters", ada.iterations, "AdaRound: optimization steps per layer")
      ->check(CLI::Range(1, 1000000))->capture_default_str();
  cmd->add_option("--adaround-reg", ada.regularization, "AdaRound: weight of the rounding regularizer (lambda)")
      ->check(CLI::Range(0.0, 1e6))->capture_default_str();
  cmd->add_option("--adaround-lr", ada.learning_rate, "AdaRound: Adam learning rate")->check(CLI::Range(1e-9, 10.0))->capture_default_str();
  cmd->add_option("--adaround-samples", ada.samples, "AdaRound: calibration images whose activations it fits")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 24))->capture_default_str();
  f->auto_mixed.Register(*cmd);
  f->distributed.Register(*cmd, /*training=*/false);
  AddThreadsFlag(*cmd, &f->threads);
  f->data.Register(*cmd);
  AddJsonFlag(*cmd, &f->json);
  SetExamples(*cmd, {"qforge quantize runs/lenet5/model.ckpt --mode int8 --out int8.qfm",
                     "qforge quantize runs/lenet5/model.ckpt --mode int8 --calib-method percentile --int8-io --out io.qfm",
                     "qforge quantize runs/lenet5/model.ckpt --mode int8 --keep-float conv1 --int16 dense1 --out mixed.qfm",
                     "qforge quantize runs/mobilenet/model.ckpt --per-tensor --equalize --out cle.qfm",
                     "qforge quantize runs/resnet/model.ckpt --weight-bits 4 --adaround --out w4a8.qfm",
                     "qforge quantize runs/mobilenet/model.ckpt --per-tensor --auto-mixed --max-drop 0.2 --out auto.qfm",
                     "qforge quantize runs/lenet5/model.ckpt --mode float16 --out f16.qfm --json"});
  return {[f] { return CheckQuantize(*f); }, [f] { return RunQuantize(*f); }};
}

}  // namespace qforge::cli
