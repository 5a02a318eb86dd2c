// `qforge export MODEL --format onnx|tflite --out FILE`: a .qfm model (any mode), or a checkpoint
// / ONNX model made into one (a QAT checkpoint converted, a float one in float), written for
// other runtimes. Nothing is written unless the whole model exports.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "workflow/model_files.h"
#include "data/file_bytes.h"
#include "interop/onnx/onnx_export.h"
#include "interop/tflite/tflite_export.h"

namespace qforge::cli {
namespace {

struct ExportFlags {
  std::string model, format, out, onnx_activations = "uint8", onnx_form = "qdq";
  bool int8_io = false, json = false;
};

StatusOr<std::vector<uint8_t>> ExportBytes(const interop::QfmView& view, const ExportFlags& f) {
  if (f.format == "tflite") return tflite_export::ExportTflite(view);
  onnx_export::OnnxExportOptions options;
  options.activations =
      f.onnx_activations == "int8" ? onnx_export::OnnxActivations::kInt8 : onnx_export::OnnxActivations::kUint8;
  options.qoperator = f.onnx_form == "qoperator";
  QF_ASSIGN_OR_RETURN(const std::string bytes, onnx_export::ExportOnnx(view, options));
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

Status RunExport(const ExportFlags& f) {
  QF_ASSIGN_OR_RETURN(const auto model, LoadRuntimeModel(f.model, f.int8_io));
  interop::QfmViewOptions options;
  options.int8_io = f.int8_io;
  QF_ASSIGN_OR_RETURN(const interop::QfmView view, interop::QfmView::Make(model, options));
  QF_ASSIGN_OR_RETURN(const std::vector<uint8_t> bytes, ExportBytes(view, f));
  QF_RETURN_IF_ERROR(WriteFileAtomically(f.out, bytes));
  if (f.json) {
    fmt::print("{}\n", nlohmann::json{{"out", f.out}, {"format", f.format}, {"bytes", bytes.size()},
                                      {"operators", view.ops().size()}}.dump());
  } else {
    fmt::print("{}: {} model, {} operators, {} bytes\n", f.out, f.format, view.ops().size(), bytes.size());
  }
  return Status::Ok();
}

}  // namespace

Command AddExportCommand(CLI::App& app) {
  auto f = std::make_shared<ExportFlags>();
  auto* cmd = app.add_subcommand("export", "write a model for another runtime: ONNX or TFLite");
  cmd->add_option("model", f->model, "a .qfm model (any mode), or a checkpoint / ONNX model (float or QAT)")->required();
  cmd->add_option("--format", f->format, "onnx or tflite")->required()->check(CLI::IsMember({"onnx", "tflite"}));
  AddOutFlag(*cmd, &f->out, "the file to write (.onnx, .tflite)")->required();
  cmd->add_flag("--int8-io", f->int8_io, "integer model input and output (int8 and int16x8 models)");
  cmd->add_option("--onnx-activations", f->onnx_activations,
                  "ONNX: int8 activations stored as uint8 (zero point + 128; what ONNX Runtime's x86 integer "
                  "kernels take) or int8")
      ->check(CLI::IsMember({"uint8", "int8"}))
      ->capture_default_str();
  cmd->add_option("--onnx-form", f->onnx_form,
                  "ONNX: qdq (QuantizeLinear/DequantizeLinear around float operators) or qoperator (also "
                  "QLinearConv, QLinearMatMul, QLinearAdd)")
      ->check(CLI::IsMember({"qdq", "qoperator"}))
      ->capture_default_str();
  AddJsonFlag(*cmd, &f->json);
  SetExamples(*cmd, {"qforge export int8.qfm --format onnx --out int8.onnx",
                     "qforge export runs/qat/model.ckpt --format onnx --out qat.onnx --json",
                     "qforge export int8.qfm --format tflite --int8-io --out int8.tflite"});
  return {nullptr, [f] { return RunExport(*f); }};
}

}  // namespace qforge::cli
