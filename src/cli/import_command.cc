// `qforge import MODEL.onnx --out MODEL.ckpt`: an ONNX float model as a qforge checkpoint — graph,
// weights, class names, preprocessing (--mean/--std/--input-size/--resize) — that train --init,
// quantize, eval, bench, pruning and clustering take.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/data_flags.h"
#include "interop/onnx/onnx_import.h"

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
  if (!onnx_import::IsOnnxPath(f.model)) return InvalidArgument("{} is not an .onnx file", f.model);
  return SplitClassNames(f.class_names).status();
}

Status RunImport(const ImportFlags& f) {
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
  auto* cmd = app.add_subcommand("import", "import an ONNX float model as a qforge checkpoint");
  cmd->add_option("model", f->model, "ONNX model (.onnx), e.g. from torch.onnx.export")->required();
  AddOutFlag(*cmd, &f->out, "the checkpoint to write (.ckpt)")->required();
  cmd->add_option("--class-names", f->class_names, "class names, comma-separated, stored in the checkpoint");
  f->preprocess.Register(*cmd);
  AddJsonFlag(*cmd, &f->json);
  SetExamples(*cmd, {"qforge import resnet18.onnx --out resnet18.ckpt",
                     "qforge import net.onnx --class-names cat,dog --out net.ckpt --json",
                     "qforge import resnet18.onnx --out r.ckpt --resize 256 --mean 0.485,0.456,0.406 "
                     "--std 0.229,0.224,0.225"});
  return {[f] { return CheckImport(*f); }, [f] { return RunImport(*f); }};
}

}  // namespace qforge::cli
