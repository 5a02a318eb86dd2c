// `qforge eval CKPT`: test-set accuracy of a checkpoint (its preprocessing travels with it).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/data_flags.h"
#include "core/threading.h"
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

Status RunEval(const EvalFlags& f) {
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
  auto* cmd = app.add_subcommand("eval", "evaluate a checkpoint on the test set");
  cmd->add_option("checkpoint", f->checkpoint, "checkpoint file (.ckpt)")->required();
  f->data.Register(*cmd);
  cmd->add_option("--batch", f->batch, "batch size")->check(CLI::Range(1, 1 << 16));
  cmd->add_option("--threads", f->threads, "worker threads (0: all cores)")->check(CLI::Range(0, 1024));
  cmd->add_flag("--json", f->json, "print one JSON object on stdout");
  return [f]() { return RunEval(*f); };
}

}  // namespace qforge::cli
