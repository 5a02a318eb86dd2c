// `qforge eval FILE`: test-set accuracy of a checkpoint (the training engine runs it) or of a
// .qfm model (the int8 runtime runs it); the preprocessing travels with either file.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <thread>

#include "cli/commands.h"
#include "cli/data_flags.h"
#include "core/threading.h"
#include "convert/evaluate.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

namespace qforge::cli {
namespace {

struct EvalFlags {
  std::string checkpoint;
  DataFlags data;
  int64_t batch = 256;
  int threads = 0;
  bool json = false;
};

// A .qfm file carries the FlatBuffers file identifier "QFM1" at bytes 4..7.
bool IsQfmFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[8] = {};
  return in.read(head, sizeof head) && std::string(head + 4, 4) == "QFM1";
}

Status RunQfmEval(const EvalFlags& f) {
  QF_ASSIGN_OR_RETURN(std::shared_ptr<const runtime::Model> model, runtime::Model::Load(f.checkpoint));
  QF_ASSIGN_OR_RETURN(TrainTestData data, f.data.Load());
  const int threads = f.threads > 0 ? f.threads : std::max(1u, std::thread::hardware_concurrency());
  QF_ASSIGN_OR_RETURN(const convert::QfmEvalResult r,
                      convert::EvaluateQfm(model, f.checkpoint, data.test, static_cast<int>(f.batch), threads));
  QF_ASSIGN_OR_RETURN(const convert::QfmMetadata meta, convert::ReadMetadata(*model, f.checkpoint));
  const std::string mode = meta.json.value("mode", std::string("?"));
  if (f.json) {
    fmt::print("{}\n", nlohmann::json{{"model", meta.json.value("model", std::string())}, {"mode", mode},
                                      {"accuracy", r.accuracy}, {"count", r.count},
                                      {"model_bytes", model->size_bytes()}}
                           .dump());
  } else {
    fmt::print("{}: accuracy {:.4f} on {} test images ({} model, {} bytes, qforge runtime)\n", f.checkpoint,
               r.accuracy, r.count, mode, model->size_bytes());
  }
  return Status::Ok();
}

Status RunEval(const EvalFlags& f) {
  if (IsQfmFile(f.checkpoint)) return RunQfmEval(f);
  SetNumThreads(f.threads);
  QF_ASSIGN_OR_RETURN(Checkpoint ck, LoadCheckpoint(f.checkpoint));
  QF_ASSIGN_OR_RETURN(TrainTestData data, f.data.Load());
  QF_ASSIGN_OR_RETURN(EvalResult r, Evaluate(ck.graph, data.test, ck.meta.preprocess, f.batch, Backend::kFast));
  if (f.json) {
    fmt::print("{}\n", nlohmann::json{{"model", ck.meta.model_name}, {"accuracy", r.accuracy},
                                      {"loss", r.loss}, {"count", r.count}}
                           .dump());
  } else {
    fmt::print("{}: accuracy {:.4f} (loss {:.4f}) on {} test images\n", f.checkpoint, r.accuracy,
               r.loss, r.count);
  }
  return Status::Ok();
}

}  // namespace

Command AddEvalCommand(CLI::App& app) {
  auto f = std::make_shared<EvalFlags>();
  auto* cmd = app.add_subcommand("eval", "evaluate a checkpoint or a .qfm model on the test set");
  cmd->add_option("model", f->checkpoint, "checkpoint (.ckpt) or runtime model (.qfm)")->required();
  f->data.Register(*cmd);
  cmd->add_option("--batch", f->batch, "batch size")->check(CLI::Range(1, 1 << 16));
  cmd->add_option("--threads", f->threads, "worker threads (0: all cores)")->check(CLI::Range(0, 1024));
  cmd->add_flag("--json", f->json, "print one JSON object on stdout");
  return [f]() { return RunEval(*f); };
}

}  // namespace qforge::cli
