// `qforge train`: train a zoo model (from scratch, from --init weights, or --resume exactly).
#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/data_flags.h"
#include "cli/progress.h"
#include "core/threading.h"
#include "train/trainer.h"
#include "zoo/zoo.h"

namespace qforge::cli {
namespace {

struct TrainFlags {
  std::string model, init, resume, out;
  DataFlags data;
  int epochs = 0;
  int64_t batch = 0;
  std::string optimizer, schedule;
  float lr = 0, weight_decay = 0, momentum = 0.9f;
  bool nesterov = false;
  int64_t warmup = 0;
  uint64_t seed = 1;
  int threads = 0;
  int64_t crop_padding = 0;
  bool flip = false, json = false, reference = false, profile = false;
  // Which options were given explicitly (they override the recipe and a resumed checkpoint).
  CLI::Option *epochs_opt, *batch_opt, *optimizer_opt, *lr_opt, *wd_opt, *schedule_opt, *warmup_opt;
};

// Fills the run (graph, preprocessing, optimizer state) from --resume, --init or the zoo.
StatusOr<Checkpoint> PrepareRun(const TrainFlags& f, const TrainTestData& data) {
  if (!f.resume.empty() || !f.init.empty()) {
    QF_ASSIGN_OR_RETURN(Checkpoint ck, LoadCheckpoint(f.resume.empty() ? f.init : f.resume));
    if (!f.model.empty() && f.model != ck.meta.model_name)
      return InvalidArgument("--model {} does not match the checkpoint's model {}", f.model,
                             ck.meta.model_name);
    if (f.resume.empty()) {  // --init: weights only, a fresh training run
      ck.optimizer_state.clear();
      ck.optimizer_steps = 0;
      ck.meta.train_state = nlohmann::json::object();
    }
    return ck;
  }
  const ZooModel* zoo = FindZooModel(f.model);
  Checkpoint ck;
  QF_ASSIGN_OR_RETURN(ck.graph, zoo->build(f.seed));
  ck.meta.model_name = zoo->name;
  ck.meta.preprocess = ComputeNormalization(data.train);
  ck.meta.class_names = data.train.class_names;
  return ck;
}

// Recipe defaults, then the stored options of a resumed run, then explicit flags. The
// resolved options are recorded in the run, so a later --resume replays them.
StatusOr<TrainOptions> ResolveOptions(const TrainFlags& f, Checkpoint& run) {
  const ZooModel* zoo = FindZooModel(run.meta.model_name);
  const Recipe recipe = zoo ? zoo->recipe : Recipe{};
  nlohmann::json o = {{"epochs", recipe.epochs}, {"batch", recipe.batch},
                      {"optimizer", recipe.optimizer}, {"lr", recipe.lr},
                      {"weight_decay", recipe.weight_decay}, {"schedule", recipe.schedule},
                      {"warmup", recipe.warmup_steps}, {"momentum", f.momentum},
                      {"nesterov", f.nesterov}, {"seed", f.seed}, {"crop_padding", f.crop_padding},
                      {"flip", f.flip}};
  if (!f.resume.empty() && run.meta.train_state.contains("options"))
    o.update(run.meta.train_state.at("options"));
  if (f.epochs_opt->count()) o["epochs"] = f.epochs;
  if (f.batch_opt->count()) o["batch"] = f.batch;
  if (f.optimizer_opt->count()) o["optimizer"] = f.optimizer;
  if (f.lr_opt->count()) o["lr"] = f.lr;
  if (f.wd_opt->count()) o["weight_decay"] = f.weight_decay;
  if (f.schedule_opt->count()) o["schedule"] = f.schedule;
  if (f.warmup_opt->count()) o["warmup"] = f.warmup;
  TrainOptions t;
  try {
    t.epochs = o.at("epochs").get<int>();
    t.batch = o.at("batch").get<int64_t>();
    t.optimizer.type = o.at("optimizer").get<std::string>();
    t.optimizer.momentum = o.at("momentum").get<float>();
    t.optimizer.nesterov = o.at("nesterov").get<bool>();
    t.optimizer.weight_decay = o.at("weight_decay").get<float>();
    t.schedule.type = o.at("schedule").get<std::string>();
    t.schedule.base_lr = o.at("lr").get<float>();
    t.schedule.warmup_steps = o.at("warmup").get<int64_t>();
    t.seed = o.at("seed").get<uint64_t>();
    t.augment.crop_padding = o.at("crop_padding").get<int64_t>();
    t.augment.horizontal_flip = o.at("flip").get<bool>();
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument("bad training options in the checkpoint: {}", e.what());
  }
  t.backend = f.reference ? Backend::kReference : Backend::kFast;
  t.profile = f.profile;
  run.meta.train_state["options"] = o;
  return t;
}

Status RunTrain(const TrainFlags& f) {
  if (!f.init.empty() && !f.resume.empty()) return InvalidArgument("use --init or --resume, not both");
  if (f.init.empty() && f.resume.empty()) {  // fail fast, before loading data
    if (f.model.empty()) return InvalidArgument("--model is required (one of: {})", ZooModelNames());
    if (!FindZooModel(f.model))
      return NotFound("unknown model '{}' (choose one of: {})", f.model, ZooModelNames());
  }
  SetNumThreads(f.threads);
  QF_ASSIGN_OR_RETURN(TrainTestData data, f.data.Load());
  QF_ASSIGN_OR_RETURN(Checkpoint run, PrepareRun(f, data));
  QF_ASSIGN_OR_RETURN(TrainOptions options, ResolveOptions(f, run));
  const std::string out_dir = f.out.empty() ? "runs/" + run.meta.model_name : f.out;
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return InvalidArgument("cannot create output folder {}: {}", out_dir, ec.message());
  options.checkpoint_path = (std::filesystem::path(out_dir) / "model.ckpt").string();

  if (!f.json)
    fmt::print("training {} for {} epochs (batch {}, {} lr {}, {} threads)\n", run.meta.model_name,
               options.epochs, options.batch, options.optimizer.type, options.schedule.base_lr,
               NumThreads());
  ConsoleProgress progress;
  QF_ASSIGN_OR_RETURN(std::vector<EpochMetrics> history, Train(run, data, options, &progress));
  double images = 0, seconds = 0;
  nlohmann::json epochs = nlohmann::json::array();
  for (const EpochMetrics& m : history) {
    images += m.images_per_second * m.seconds;
    seconds += m.seconds;
    epochs.push_back({{"epoch", m.epoch}, {"train_loss", m.train_loss},
                      {"train_accuracy", m.train_accuracy}, {"test_accuracy", m.test_accuracy},
                      {"images_per_second", m.images_per_second}});
  }
  const double test_accuracy = history.back().test_accuracy;
  if (f.json) {
    fmt::print("{}\n", nlohmann::json{{"model", run.meta.model_name},
                                      {"epochs", options.epochs},
                                      {"test_accuracy", test_accuracy},
                                      {"images_per_second", images / seconds},
                                      {"threads", NumThreads()},
                                      {"batch", options.batch},
                                      {"checkpoint", options.checkpoint_path},
                                      {"history", epochs}}
                           .dump());
  } else {
    fmt::print("test accuracy {:.4f}, {:.0f} images/s; checkpoint {}\n", test_accuracy,
               images / seconds, options.checkpoint_path);
  }
  return Status::Ok();
}

}  // namespace

Command AddTrainCommand(CLI::App& app) {
  auto f = std::make_shared<TrainFlags>();
  auto* cmd = app.add_subcommand("train", "train a model on an image dataset");
  cmd->add_option("--model", f->model, "zoo model: " + ZooModelNames());
  f->data.Register(*cmd);
  f->epochs_opt = cmd->add_option("--epochs", f->epochs, "total epochs (default: the model's recipe)")
                      ->check(CLI::Range(1, 100000));
  f->batch_opt = cmd->add_option("--batch", f->batch, "batch size")->check(CLI::Range(1, 1 << 16));
  f->optimizer_opt = cmd->add_option("--optimizer", f->optimizer, "sgd, adam or adamw")
                         ->check(CLI::IsMember({"sgd", "adam", "adamw"}));
  f->lr_opt = cmd->add_option("--lr", f->lr, "base learning rate")->check(CLI::Range(1e-9, 100.0));
  f->wd_opt = cmd->add_option("--weight-decay", f->weight_decay, "weight decay")->check(CLI::Range(0.0, 1.0));
  f->schedule_opt = cmd->add_option("--schedule", f->schedule, "LR schedule: constant, step or cosine")
                        ->check(CLI::IsMember({"constant", "step", "cosine"}));
  f->warmup_opt = cmd->add_option("--warmup", f->warmup, "linear LR warm-up steps")->check(CLI::Range(0, 1 << 30));
  cmd->add_option("--momentum", f->momentum, "SGD momentum")->check(CLI::Range(0.0, 0.999));
  cmd->add_flag("--nesterov", f->nesterov, "Nesterov momentum for SGD");
  cmd->add_option("--seed", f->seed, "random seed (initialization, shuffling, dropout)");
  cmd->add_option("--threads", f->threads, "worker threads (0: all cores)")->check(CLI::Range(0, 1024));
  cmd->add_option("--out", f->out, "output folder for model.ckpt (default runs/MODEL)");
  cmd->add_option("--init", f->init, "start from this checkpoint's weights (fine-tuning)");
  cmd->add_option("--resume", f->resume, "continue this checkpoint's training run exactly");
  cmd->add_option("--augment-crop", f->crop_padding, "random-crop padding in pixels")->check(CLI::Range(0, 16));
  cmd->add_flag("--augment-flip", f->flip, "random horizontal flips");
  cmd->add_flag("--reference", f->reference, "use the plain reference kernels (slow; for checking)");
  cmd->add_flag("--profile", f->profile, "print time per layer (forward/backward) at the end");
  cmd->add_flag("--json", f->json, "print one JSON object as the last line of stdout");
  return [f]() { return RunTrain(*f); };
}

}  // namespace qforge::cli
