// `qforge quantize CKPT --mode M --out FILE.qfm`: post-training conversion of a float
// checkpoint to a runtime model (float, float16, dynamic, int8, int16x8), calibrated on
// training images for the integer modes.
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/commands.h"
#include "workflow/model_files.h"
#include "cli/data_flags.h"
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

Status CheckQuantize(const QuantizeFlags& f) {
  QF_ASSIGN_OR_RETURN(const convert::Mode mode, convert::ParseMode(f.mode));
  QF_RETURN_IF_ERROR(quant::ParseCalibrationMethod(f.method).status());
  if (f.int8_io && !convert::NeedsRanges(mode)) return InvalidArgument("--int8-io needs --mode int8 or int16x8");
  QF_ASSIGN_OR_RETURN(const auto modes, NodeModes(f));
  if (!modes.empty() && !convert::NeedsRanges(mode)) return InvalidArgument("--keep-float, --int16 and --int8 need --mode int8 or int16x8");
  return Status::Ok();
}

Status RunQuantize(const QuantizeFlags& f) {
  quant::PtqOptions o;
  QF_ASSIGN_OR_RETURN(o.mode, convert::ParseMode(f.mode));
  QF_ASSIGN_OR_RETURN(o.calibration.method, quant::ParseCalibrationMethod(f.method));
  o.calibration.percentile = f.percentile;
  o.calibration_samples = f.samples;
  o.seed = f.seed;
  o.bias_correction = f.bias_correction;
  o.int8_io = f.int8_io;
  QF_ASSIGN_OR_RETURN(o.node_modes, NodeModes(f));
  QF_ASSIGN_OR_RETURN(Checkpoint ck, LoadModelFile(f.checkpoint));
  if (quant::IsQatGraph(ck.graph))
    return InvalidArgument("{} is a quantization-aware trained model; convert it with `qforge convert`", f.checkpoint);
  TrainTestData data;
  if (convert::NeedsRanges(o.mode)) {
    QF_ASSIGN_OR_RETURN(const InputSpec spec, ModelInputSpec(ck, f.checkpoint));
    QF_ASSIGN_OR_RETURN(data, f.data.Load(spec));  // labels are not needed: calibration only
  }
  QF_ASSIGN_OR_RETURN(const std::vector<uint8_t> bytes,
                      quant::QuantizeCheckpoint(ck, convert::NeedsRanges(o.mode) ? &data.train : nullptr, o));
  QF_RETURN_IF_ERROR(WriteFileAtomically(f.out, bytes));
  if (f.json) {
    nlohmann::json j{{"out", f.out}, {"mode", f.mode}, {"model_bytes", bytes.size()}};
    if (convert::NeedsRanges(o.mode))
      j["calibration"] = {{"method", f.method}, {"samples", std::min<int64_t>(f.samples, data.train.count)},
                          {"bias_correction", f.bias_correction}};
    fmt::print("{}\n", j.dump());
  } else {
    fmt::print("{}: {} model, {} bytes{}\n", f.out, f.mode, bytes.size(),
               convert::NeedsRanges(o.mode) ? fmt::format(" (calibration: {}, {} samples{})", f.method,
                                                         std::min<int64_t>(f.samples, data.train.count),
                                                         f.bias_correction ? ", bias correction" : "")
                                            : "");
  }
  return Status::Ok();
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
  f->data.Register(*cmd);
  AddJsonFlag(*cmd, &f->json);
  SetExamples(*cmd, {"qforge quantize runs/lenet5/model.ckpt --mode int8 --out int8.qfm",
                     "qforge quantize runs/lenet5/model.ckpt --mode int8 --calib-method percentile --int8-io --out io.qfm",
                     "qforge quantize runs/lenet5/model.ckpt --mode int8 --keep-float conv1 --int16 fc2 --out mixed.qfm",
                     "qforge quantize runs/lenet5/model.ckpt --mode float16 --out f16.qfm --json"});
  return {[f] { return CheckQuantize(*f); }, [f] { return RunQuantize(*f); }};
}

}  // namespace qforge::cli
