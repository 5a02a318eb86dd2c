// `qforge debug CKPT MODEL.qfm`: the quantization debugger. Runs the .qfm and the float model it
// came from on the same test images and reports per layer the error it has and the error it
// adds, how its activations use their grid, its weights' channel spread and, with
// --sensitivity, the accuracy each layer costs; --html writes the report as one page.
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.h"
#include "cli/data_flags.h"
#include "convert/evaluate.h"
#include "data/file_bytes.h"
#include "debug/debug_report.h"
#include "quant/qat_export.h"
#include "workflow/model_files.h"
#include "workflow/model_input.h"

namespace qforge::cli {
namespace {

struct DebugFlags {
  std::string checkpoint, model, html;
  DataFlags data;
  int64_t samples = 256, sensitivity_samples = 1000;
  bool sensitivity = false, json = false;
  int threads = 0;
};

Status RunDebug(const DebugFlags& f) {
  if (!IsQfmFile(f.model)) return InvalidArgument("{}: not a .qfm model", f.model);
  QF_ASSIGN_OR_RETURN(std::shared_ptr<const runtime::Model> model, LoadRuntimeModel(f.model, false));
  QF_ASSIGN_OR_RETURN(const convert::QfmMetadata meta, convert::ReadMetadata(*model, f.model));
  QF_ASSIGN_OR_RETURN(Checkpoint ck, LoadModelFile(f.checkpoint));
  QF_ASSIGN_OR_RETURN(const InputSpec spec, ModelInputSpec(ck, f.checkpoint));
  QF_ASSIGN_OR_RETURN(const TrainTestData data, f.data.Load(spec));
  // The float model the .qfm approximates: a QAT checkpoint stripped of its fake quantization,
  // or the float checkpoint prepared as post-training quantization prepared it (equalized,
  // biases absorbed), from the options in the model's metadata.
  std::optional<quant::PtqSession> session;
  convert::DeployGraph reference;
  const bool qat_model = meta.json.contains("qat") && meta.json["qat"].is_boolean() && meta.json["qat"].get<bool>();
  if (qat_model != quant::IsQatGraph(ck.graph))
    return InvalidArgument("{} is {} model but {} is {} checkpoint; give the checkpoint the model was made from", f.model,
                           qat_model ? "a QAT" : "a post-training", f.checkpoint, qat_model ? "a float" : "a QAT");
  if (qat_model) {
    if (f.sensitivity) return InvalidArgument("--sensitivity needs a post-training model (the variants are re-quantized)");
    QF_ASSIGN_OR_RETURN(reference, quant::LowerQatGraph(ck.graph));
  } else {
    QF_ASSIGN_OR_RETURN(quant::PtqOptions options, quant::PtqOptionsFromMetadata(meta.json));
    if (!f.sensitivity) {  // the float model does not depend on the rounding or the bias correction
      options.adaround = false;
      options.bias_correction = false;
    }
    QF_ASSIGN_OR_RETURN(quant::PtqSession s, quant::PtqSession::Create(ck, &data.train, options));
    reference = s.float_graph();
    session.emplace(std::move(s));
  }
  const int64_t n = std::min(f.samples, data.test.count);
  std::vector<int64_t> first(n);
  for (int64_t i = 0; i < n; ++i) first[i] = i;
  std::vector<float> samples(static_cast<size_t>(n * data.test.example_size()));
  PreprocessNhwc(data.test, meta.preprocess, first.data(), n, samples.data());

  debug::DebugReport report;
  report.model = f.model;
  report.reference = f.checkpoint;
  report.mode = meta.json.contains("mode") && meta.json["mode"].is_string() ? meta.json["mode"].get<std::string>() : "?";
  report.samples = n;
  report.bytes = convert::MeasureModelBytes(*model);
  QF_ASSIGN_OR_RETURN(report.layers, debug::CompareLayers(reference, model, samples.data(), n));
  if (report.layers.empty()) return InvalidArgument("{} has no layer named as a layer of {}'s model", f.model, f.checkpoint);
  if (f.sensitivity) {
    QF_RETURN_IF_ERROR(RequireLabels(data.test, "sensitivity"));
    QF_ASSIGN_OR_RETURN(report.sensitivity,
                        debug::MeasureSensitivity(*session, SliceExamples(data.test, 0, f.sensitivity_samples),
                                                  ResolveThreads(f.threads)));
  }
  if (!f.html.empty()) {
    const std::string page = debug::ReportHtml(report);
    QF_RETURN_IF_ERROR(WriteFileAtomically(f.html, std::vector<uint8_t>(page.begin(), page.end())));
  }
  if (f.json) {
    nlohmann::json j = debug::ReportJson(report);
    if (!f.html.empty()) j["html"] = f.html;
    fmt::print("{}\n", j.dump());
  } else {
    fmt::print("{}", debug::ReportTable(report));
    if (!f.html.empty()) fmt::print("report: {}\n", f.html);
  }
  return Status::Ok();
}

}  // namespace

Command AddDebugCommand(CLI::App& app) {
  auto f = std::make_shared<DebugFlags>();
  auto* cmd = app.add_subcommand("debug", "compare a quantized .qfm with its float model layer by layer");
  cmd->add_option("checkpoint", f->checkpoint, "the float checkpoint (or ONNX model) the .qfm was quantized from, or its QAT checkpoint")
      ->required();
  cmd->add_option("model", f->model, "the quantized model (.qfm)")->required();
  cmd->add_option("--samples", f->samples, "test images compared layer by layer")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))->capture_default_str();
  cmd->add_flag("--sensitivity", f->sensitivity, "rank layers by the accuracy they cost (one layer quantized / float at a time)");
  cmd->add_option("--sensitivity-samples", f->sensitivity_samples, "test images each sensitivity variant is evaluated on")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 24))->capture_default_str();
  cmd->add_option("--html", f->html, "write the report as a self-contained HTML page");
  f->data.Register(*cmd);
  AddThreadsFlag(*cmd, &f->threads);
  AddJsonFlag(*cmd, &f->json);
  SetExamples(*cmd, {"qforge debug runs/mobilenet/model.ckpt int8.qfm",
                     "qforge debug runs/mobilenet/model.ckpt int8.qfm --sensitivity --html report.html",
                     "qforge debug runs/qat/model.ckpt qat.qfm --samples 64 --json"});
  return {nullptr, [f] { return RunDebug(*f); }};
}

}  // namespace qforge::cli
