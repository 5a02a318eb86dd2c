// `qforge import MODEL.onnx --out MODEL.ckpt`: an ONNX float model as a qforge checkpoint — graph,
// weights, class names, preprocessing (--mean/--std/--input-size/--resize) — that train --init,
// quantize, eval, bench, pruning and clustering take. `qforge import MODEL.tflite --out
// MODEL.qfm`: a TFLite model (float, float16, int8, int16x8) as a runtime model.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/data_flags.h"
#include "data/file_bytes.h"
#include "interop/onnx/onnx_import.h"
#include "interop/tflite/tflite_import.h"
#include "runtime/interpreter.h"

namespace qforge::cli {
namespace {

struct ImportFlags {
  std::string model, out, class_names;
  PreprocessFlags preprocess;
  bool json = false;
};

StatusOr<std::vector<std::string>> SplitClassNames(const std::string& list) {
  std::vector<std::string> names;
  if (list.empty()) return names;
  size_t start = 0;
  while (true) {
    const size_t comma = list.find(',', start);
    names.push_back(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (names.back().empty()) return InvalidArgument("--class-names has an empty name");
    if (comma == std::string::npos) return names;
    start = comma + 1;
  }
}

Status CheckImport(const ImportFlags& f) {
  if (tflite_import::IsTflitePath(f.model)) {
    if (!f.class_names.empty() || f.preprocess.normalization_given() || f.preprocess.input_size || f.preprocess.resize)
      return InvalidArgument("--class-names and the preprocessing flags apply to ONNX imports; a .tflite file "
                             "carries its own");
    if (!f.out.ends_with(".qfm")) return InvalidArgument("a .tflite file imports as a runtime model: --out must name a .qfm file");
    return Status::Ok();
  }
  if (!onnx_import::IsOnnxPath(f.model)) return InvalidArgument("{} is not an .onnx or .tflite file", f.model);
  return SplitClassNames(f.class_names).status();
}

// A TFLite model as a .qfm, loaded and prepared by the runtime before it is written.
Status RunTfliteImport(const ImportFlags& f) {
  QF_ASSIGN_OR_RETURN(const std::vector<uint8_t> bytes, ReadFileBytes(f.model, (uint64_t{1} << 31) - 1));
  QF_ASSIGN_OR_RETURN(const std::vector<uint8_t> qfm, tflite_import::TfliteToQfm(bytes, f.model));
  QF_ASSIGN_OR_RETURN(const auto model, runtime::Model::FromBytes(qfm.data(), qfm.size(), f.model + " (imported)"));
  QF_ASSIGN_OR_RETURN(const auto interpreter, runtime::Interpreter::Create(model));
  QF_RETURN_IF_ERROR(WriteFileAtomically(f.out, qfm));
  const size_t operators = model->flat().operators()->size();
  if (f.json) {
    fmt::print("{}\n", nlohmann::json{{"out", f.out}, {"format", "tflite"}, {"operators", operators},
                                      {"model_bytes", qfm.size()}}.dump());
  } else {
    fmt::print("{}: {} operators, {} bytes (from TFLite)\n", f.out, operators, qfm.size());
  }
  return Status::Ok();
}

Status RunImport(const ImportFlags& f) {
  if (tflite_import::IsTflitePath(f.model)) return RunTfliteImport(f);
  onnx_import::ImportOptions options;
  QF_ASSIGN_OR_RETURN(options.class_names, SplitClassNames(f.class_names));
  onnx_import::ImportStats stats;
  QF_ASSIGN_OR_RETURN(Checkpoint ck, onnx_import::ImportOnnx(f.model, options, &stats));
  QF_ASSIGN_OR_RETURN(const InputSpec spec, ModelInputSpec(ck, f.model));
  QF_RETURN_IF_ERROR(f.preprocess.Apply(spec, &ck.meta.preprocess));
  const Shape& logits = ck.graph.values()[ck.graph.outputs()[0]].shape;
  if (!options.class_names.empty() && (logits.size() != 2 || logits[1] != static_cast<int64_t>(options.class_names.size())))
    return InvalidArgument("{} class names given for an output of shape {}", options.class_names.size(),
                           ShapeToString(logits));
  QF_RETURN_IF_ERROR(SaveCheckpoint(f.out, ck.graph, ck.meta, {}, 0));
  const nlohmann::json report = {{"out", f.out},
                                 {"opset", stats.opset},
                                 {"onnx_nodes", stats.onnx_nodes},
                                 {"folded_nodes", stats.folded_nodes},
                                 {"qforge_nodes", ck.graph.nodes().size()},
                                 {"weights", ck.graph.NumTrainableWeights()}};
  if (f.json) {
    fmt::print("{}\n", report.dump());
  } else {
    fmt::print("{}: opset {}, {} ONNX nodes ({} folded constants) -> {} qforge nodes, {} weights\n", f.out,
               stats.opset, stats.onnx_nodes, stats.folded_nodes, ck.graph.nodes().size(),
               ck.graph.NumTrainableWeights());
  }
  return Status::Ok();
}

}  // namespace

Command AddImportCommand(CLI::App& app) {
  auto f = std::make_shared<ImportFlags>();
  auto* cmd = app.add_subcommand("import", "import an ONNX float model as a checkpoint, or a TFLite model as a .qfm");
  cmd->add_option("model", f->model, "ONNX model (.onnx, e.g. from torch.onnx.export) or TFLite model (.tflite)")->required();
  AddOutFlag(*cmd, &f->out, "the checkpoint to write (.ckpt), or for a .tflite the runtime model (.qfm)")->required();
  cmd->add_option("--class-names", f->class_names, "class names, comma-separated, stored in the checkpoint");
  f->preprocess.Register(*cmd);
  AddJsonFlag(*cmd, &f->json);
  SetExamples(*cmd, {"qforge import resnet18.onnx --out resnet18.ckpt",
                     "qforge import net.onnx --class-names cat,dog --out net.ckpt --json",
                     "qforge import int8.tflite --out int8.qfm",
                     "qforge import resnet18.onnx --out r.ckpt --resize 256 --mean 0.485,0.456,0.406 "
                     "--std 0.229,0.224,0.225"});
  return {[f] { return CheckImport(*f); }, [f] { return RunImport(*f); }};
}

}  // namespace qforge::cli
