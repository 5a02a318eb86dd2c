// `qforge convert QAT_CKPT --out FILE.qfm`: the deployable integer model of a quantization-aware
// trained checkpoint, with the ranges and learned scales its training ended with.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "data/file_bytes.h"
#include "quant/qat_export.h"

namespace qforge::cli {
namespace {

struct ConvertFlags {
  std::string checkpoint, out;
  bool int8_io = false, json = false;
};

Status RunConvert(const ConvertFlags& f) {
  QF_ASSIGN_OR_RETURN(const Checkpoint ck, LoadCheckpoint(f.checkpoint));
  if (!quant::IsQatGraph(ck.graph))
    return InvalidArgument("{} is a float model; use `qforge quantize` (post-training) or train it with --qat",
                           f.checkpoint);
  quant::QatExportOptions o;
  o.int8_io = f.int8_io;
  QF_ASSIGN_OR_RETURN(const std::vector<uint8_t> bytes, quant::ConvertQatModel(ck.graph, ck.meta, o));
  QF_RETURN_IF_ERROR(WriteFileAtomically(f.out, bytes));
  if (f.json) {
    fmt::print("{}\n", nlohmann::json{{"out", f.out}, {"model_bytes", bytes.size()}}.dump());
  } else {
    fmt::print("{}: QAT model, {} bytes\n", f.out, bytes.size());
  }
  return Status::Ok();
}

}  // namespace

Command AddConvertCommand(CLI::App& app) {
  auto f = std::make_shared<ConvertFlags>();
  auto* cmd = app.add_subcommand("convert", "convert a quantization-aware trained checkpoint to a .qfm model");
  cmd->add_option("checkpoint", f->checkpoint, "QAT checkpoint (.ckpt, from `qforge train --qat`)")->required();
  AddOutFlag(*cmd, &f->out, "the model file to write (.qfm)")->required();
  cmd->add_flag("--int8-io", f->int8_io, "integer model input and output");
  AddJsonFlag(*cmd, &f->json);
  SetExamples(*cmd, {"qforge convert runs/qat/model.ckpt --out qat.qfm",
                     "qforge convert runs/qat/model.ckpt --int8-io --out qat-io.qfm --json"});
  return {nullptr, [f] { return RunConvert(*f); }};
}

}  // namespace qforge::cli
