// `qforge train`: train a zoo model (from scratch, from --init weights, or --resume exactly),
// in float or quantization-aware (--qat), optionally pruning it (--prune, cli/prune_flags.h) or
// clustering its weights (--cluster, cli/cluster_flags.h); a QAT run also converts its model
// to .qfm and reports the runtime's accuracy on it beside the simulated one.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/cluster_flags.h"
#include "cli/commands.h"
#include "cli/data_flags.h"
#include "cli/distributed_flags.h"
#include "workflow/model_files.h"
#include "cli/progress.h"
#include "cli/prune_flags.h"
#include "convert/evaluate.h"
#include "core/threading.h"
#include "data/file_bytes.h"
#include "quant/qat.h"
#include "quant/qat_export.h"
#include "train/trainer.h"
#include "zoo/zoo.h"

namespace qforge::cli {
namespace {

struct TrainFlags {
  std::string model, init, resume, out;
  DataFlags data;
  PreprocessFlags preprocess;
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
  bool stream = false;  // read the training images from disk as batches need them
  Prefetch prefetch;
  // Quantization-aware training.
  bool qat = false, qat_keep_float = false;
  std::vector<std::string> keep_float;  // nodes QAT leaves in float
  std::string scheme = "int8", quantizer = "ema";
  int w_bits = 8, a_bits = 8;
  int64_t freeze_bn_step = -1, freeze_observers_step = -1;
  PruneFlags prune;
  ClusterFlags cluster;
  DistributedFlags distributed;
  // Which options were given explicitly (they override the recipe and a resumed checkpoint).
  CLI::Option *epochs_opt, *batch_opt, *optimizer_opt, *lr_opt, *wd_opt, *schedule_opt, *warmup_opt;
  CLI::Option *loader_threads_opt, *prefetch_opt;
};

// With --qat, rewrites a float graph for quantization-aware training (a QAT graph stays).
Status MakeQuantizationAware(const TrainFlags& f, Checkpoint& ck, std::FILE* say) {
  if (!f.qat || quant::IsQatGraph(ck.graph)) return Status::Ok();
  quant::QatOptions o;
  QF_ASSIGN_OR_RETURN(o.scheme, quant::MakeScheme(f.scheme, f.w_bits, f.a_bits, f.quantizer));
  o.keep_unsupported_float = f.qat_keep_float;
  quant::QuantizeConfig keep;
  keep.keep_float = true;
  for (const std::string& node : f.keep_float) o.Annotate(node, keep);
  QF_ASSIGN_OR_RETURN(quant::QatModel qat, quant::QuantizeModel(ck.graph, o));
  if (!qat.kept_float.empty()) fmt::print(say, "kept in float: {}\n", fmt::join(qat.kept_float, ", "));
  ck.graph = std::move(qat.graph);
  ck.meta.train_state["qat"] = {{"scheme", f.scheme}, {"w_bits", f.w_bits}, {"a_bits", f.a_bits},
                                {"quantizer", f.quantizer}, {"kept_float", qat.kept_float}};
  return Status::Ok();
}

// Converts a QAT run's model to .qfm next to its checkpoint and measures it with the runtime:
// its accuracy and how often its predictions agree with the simulation's.
StatusOr<nlohmann::json> ConvertAndCompare(Checkpoint& run, const TrainTestData& data, const std::string& path,
                                           Backend backend) {
  QF_ASSIGN_OR_RETURN(const EvalResult sim, Evaluate(run.graph, data.test, run.meta.preprocess, 256, backend));
  QF_ASSIGN_OR_RETURN(const std::vector<uint8_t> bytes, quant::ConvertQatModel(run.graph, run.meta, {}));
  QF_RETURN_IF_ERROR(WriteFileAtomically(path, bytes));
  QF_ASSIGN_OR_RETURN(std::shared_ptr<const runtime::Model> model, runtime::Model::FromBytes(bytes.data(), bytes.size(), path));
  QF_ASSIGN_OR_RETURN(const convert::QfmEvalResult rt,
                      convert::EvaluateQfm(model, path, data.test, 256, std::max(1, NumThreads())));
  int64_t same = 0;
  for (size_t i = 0; i < sim.predictions.size(); ++i) same += sim.predictions[i] == rt.predictions[i];
  return nlohmann::json{{"qat_sim_accuracy", sim.accuracy}, {"int8_accuracy", rt.accuracy},
                        {"agreement", static_cast<double>(same) / static_cast<double>(sim.predictions.size())},
                        {"qfm", path}, {"model_bytes", bytes.size()}};
}

// Fills the run (graph, preprocessing, optimizer state) from --resume, --init or the zoo.
StatusOr<Checkpoint> PrepareRun(const TrainFlags& f, std::FILE* say) {
  if (!f.resume.empty() || !f.init.empty()) {
    QF_ASSIGN_OR_RETURN(Checkpoint ck, f.resume.empty() ? LoadModelFile(f.init) : LoadCheckpoint(f.resume));
    if (!f.model.empty() && f.model != ck.meta.model_name)
      return InvalidArgument("--model {} does not match the checkpoint's model {}", f.model,
                             ck.meta.model_name);
    if (f.resume.empty()) {  // --init: weights only, a fresh training run
      ck.optimizer_state.clear();
      ck.optimizer_steps = 0;
      ck.meta.train_state = nlohmann::json::object();
      QF_RETURN_IF_ERROR(MakeQuantizationAware(f, ck, say));
    }
    return ck;
  }
  const ZooModel* zoo = FindZooModel(f.model);
  Checkpoint ck;
  QF_ASSIGN_OR_RETURN(ck.graph, zoo->build(f.seed));
  ck.meta.model_name = zoo->name;
  QF_RETURN_IF_ERROR(MakeQuantizationAware(f, ck, say));
  return ck;
}

// The data fitted to the run's model, with the preprocessing flags applied to the run; a fresh
// run normalizes by the training data's statistics where --mean/--std do not say otherwise. A
// model without class names takes the data's.
StatusOr<TrainTestData> LoadTrainingData(const TrainFlags& f, Checkpoint& run) {
  QF_ASSIGN_OR_RETURN(InputSpec spec, ModelInputSpec(run, run.meta.model_name));
  QF_RETURN_IF_ERROR(f.preprocess.Apply(spec, &run.meta.preprocess));
  spec.resize = run.meta.preprocess.resize;
  QF_ASSIGN_OR_RETURN(TrainTestData data, f.data.Load(spec, f.stream));
  QF_RETURN_IF_ERROR(RequireLabels(data.train, "training"));
  QF_RETURN_IF_ERROR(RequireLabels(data.test, "evaluation after each epoch"));
  if (f.resume.empty() && f.init.empty()) {
    // A streamed set is measured on 10,000 of its images, spread over it.
    QF_ASSIGN_OR_RETURN(const ImageDataset measured_on, SpreadSample(data.train, 10000));
    const Preprocess measured = ComputeNormalization(measured_on);
    run.meta.preprocess.scale = measured.scale;
    if (f.preprocess.mean.empty()) run.meta.preprocess.mean = measured.mean;
    if (f.preprocess.std.empty()) run.meta.preprocess.std = measured.std;
  }
  if (run.meta.class_names.empty()) run.meta.class_names = data.train.class_names;
  return data;
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

// What the flags alone can tell, before any data is loaded.
Status CheckTrain(const TrainFlags& f) {
  if (!f.init.empty() && !f.resume.empty()) return InvalidArgument("use --init or --resume, not both");
  if (f.init.empty() && f.resume.empty()) {
    if (f.model.empty()) return InvalidArgument("--model is required (one of: {})", ZooModelNames());
    if (!FindZooModel(f.model)) return InvalidArgument("unknown model '{}' (choose one of: {})", f.model, ZooModelNames());
  }
  if (!f.out.empty() && !f.out.ends_with(".ckpt"))
    return InvalidArgument("--out names the checkpoint file to write and must end in .ckpt (e.g. --out runs/{}/model.ckpt)",
                           f.model.empty() ? "my-run" : f.model);
  if (!f.resume.empty() && (f.preprocess.input_size || f.preprocess.resize || f.preprocess.normalization_given()))
    return InvalidArgument("--resume continues with the run's preprocessing: --input-size, --resize, --mean and "
                           "--std are for a new run");
  if (f.cluster.k > 0 && f.prune.sparsity >= 0)
    return InvalidArgument("--cluster with --prune: prune first, then --init the clustering run from it");
  if (f.qat) QF_RETURN_IF_ERROR(quant::MakeScheme(f.scheme, f.w_bits, f.a_bits, f.quantizer).status());
  if ((!f.keep_float.empty() || f.qat_keep_float) && !f.qat) return InvalidArgument("--keep-float and --qat-keep-float need --qat");
  if (!f.stream && (f.loader_threads_opt->count() || f.prefetch_opt->count()))
    return InvalidArgument("--loader-threads and --prefetch need --stream");
  QF_RETURN_IF_ERROR(f.prune.Check());
  return f.cluster.Check();
}

// The pruning or clustering a run carries, if any.
struct WeightHooks {
  std::unique_ptr<sparsity::PruneOptions> prune;
  std::unique_ptr<cluster::ClusterOptions> clustering;
  std::shared_ptr<cluster::Clusterer> clusterer;
};

// Attaches --prune or --cluster (or what a resumed run did) to the training, and says so.
StatusOr<WeightHooks> AttachWeightHooks(const TrainFlags& f, Checkpoint& run, int64_t steps_per_epoch,
                                        TrainOptions& options, std::FILE* say) {
  const int64_t start_step = run.meta.train_state.value("epochs_done", 0) * steps_per_epoch;
  WeightHooks hooks;
  QF_ASSIGN_OR_RETURN(hooks.prune, f.prune.Resolve(run, steps_per_epoch * options.epochs, !f.resume.empty()));
  if (const sparsity::PruneOptions* prune = hooks.prune.get()) {
    QF_ASSIGN_OR_RETURN(std::shared_ptr<sparsity::Pruner> pruner, AttachPruner(*prune, run, start_step, options));
    if (prune->keep_zeros) {
      fmt::print(say, "keeping the zeros of {} weight tensors\n", pruner->layers().size());
    } else {
      fmt::print(say, "pruning {} weight tensors to {} ({}, {} schedule, steps {}..{} every {})\n", pruner->layers().size(),
                 prune->schedule.final_sparsity, prune->pattern.Name(), f.prune.schedule, prune->schedule.begin_step,
                 prune->schedule.end_step, prune->schedule.frequency);
    }
    for (const std::string& why : pruner->skipped()) fmt::print(say, "  left dense: {}\n", why);
  }
  QF_ASSIGN_OR_RETURN(hooks.clustering, f.cluster.Resolve(run, !f.resume.empty(), options.seed));
  if (hooks.clustering) {
    if (hooks.prune) return InvalidArgument("a resumed pruning run cannot also cluster: --init a clustering run from it");
    QF_ASSIGN_OR_RETURN(hooks.clusterer, AttachClusterer(*hooks.clustering, run, options));
    fmt::print(say, "clustering {} weight tensors to {} shared values ({} initialization)\n",
               hooks.clusterer->layers().size(), hooks.clustering->k, f.cluster.init);
    for (const std::string& why : hooks.clusterer->skipped()) fmt::print(say, "  left alone: {}\n", why);
  }
  return hooks;
}

// The checkpoint to write (--out, or runs/MODEL/model.ckpt), its folder created.
StatusOr<std::string> CheckpointPath(const TrainFlags& f, const Checkpoint& run) {
  const std::filesystem::path checkpoint = f.out.empty() ? "runs/" + run.meta.model_name + "/model.ckpt" : f.out;
  if (checkpoint.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(checkpoint.parent_path(), ec);
    if (ec) return InvalidArgument("cannot create the folder of {}: {}", checkpoint.string(), ec.message());
  }
  return checkpoint.string();
}

// The run's results on stdout: one JSON object (--json), or lines for people. `qat` holds the
// converted model's figures of a QAT run (null otherwise).
void ReportRun(const TrainFlags& f, const Checkpoint& run, const TrainOptions& options,
               const std::vector<EpochMetrics>& history, const nlohmann::json& qat, const WeightHooks& hooks) {
  const int world_size = options.comm ? options.comm->size() : 1;
  double images = 0, seconds = 0, communication = 0;
  nlohmann::json epochs = nlohmann::json::array();
  for (const EpochMetrics& m : history) {
    images += m.images_per_second * m.seconds;
    seconds += m.seconds;
    communication += m.communication_seconds;
    epochs.push_back({{"epoch", m.epoch}, {"train_loss", m.train_loss},
                      {"train_accuracy", m.train_accuracy}, {"test_accuracy", m.test_accuracy},
                      {"images_per_second", m.images_per_second}});
  }
  const double test_accuracy = history.back().test_accuracy;
  if (!f.json) {
    fmt::print("test accuracy {:.4f}, {:.0f} images/s{}; checkpoint {}\n", test_accuracy, images / seconds,
               world_size > 1 ? fmt::format(" ({} ranks)", world_size) : "", options.checkpoint_path);
    if (hooks.prune) fmt::print("sparsity of the conv/dense weights: {:.4f}\n", sparsity::MeasureSparsity(run.graph).overall);
    return;
  }
  nlohmann::json j{{"model", run.meta.model_name},        {"epochs", options.epochs},
                   {"test_accuracy", test_accuracy},       {"images_per_second", images / seconds},
                   {"threads", NumThreads()},              {"batch", options.batch},
                   {"world_size", world_size},             {"global_batch", options.batch * world_size},
                   {"communication_share", world_size > 1 ? communication / seconds : 0.0},
                   {"checkpoint", options.checkpoint_path}, {"history", epochs}};
  if (!qat.is_null()) j.update(qat);
  if (hooks.prune || hooks.clustering) j.update(SparsityJson(run.graph));
  if (hooks.clusterer) j.update(ClusterJson(*hooks.clusterer, run.graph));
  fmt::print("{}\n", j.dump());
}

// The training run on this rank of the job (the whole run in a one-process job).
Status TrainOnRank(const TrainFlags& f, distributed::Communicator& comm) {
  std::FILE* const say = RankStream(comm, MessageStream(f.json));
  QF_ASSIGN_OR_RETURN(Checkpoint run, PrepareRun(f, say));
  QF_ASSIGN_OR_RETURN(const TrainTestData data, LoadTrainingData(f, run));
  QF_ASSIGN_OR_RETURN(TrainOptions options, ResolveOptions(f, run));
  f.distributed.Apply(comm, run.graph, options);
  options.prefetch = f.prefetch;
  if (quant::IsQatGraph(run.graph)) {
    options.before_step = [&f](int64_t step, Graph& graph) {
      if (f.freeze_bn_step >= 0 && step >= f.freeze_bn_step) quant::FreezeBatchNorm(graph);
      if (f.freeze_observers_step >= 0 && step >= f.freeze_observers_step) quant::FreezeObservers(graph);
    };
  }
  const int64_t steps_per_epoch = BatchesPerEpoch(data.train.count, options.batch, comm.size());
  QF_ASSIGN_OR_RETURN(const WeightHooks hooks, AttachWeightHooks(f, run, steps_per_epoch, options, say));
  QF_ASSIGN_OR_RETURN(const std::string checkpoint, CheckpointPath(f, run));
  options.checkpoint_path = f.distributed.RankFile(comm, checkpoint);
  fmt::print(say, "training {} for {} epochs (batch {}, {} lr {}, {} threads{})\n", run.meta.model_name, options.epochs,
             options.batch, options.optimizer.type, options.schedule.base_lr, NumThreads(),
             comm.size() > 1 ? fmt::format(" per rank, {} ranks: global batch {}", comm.size(), options.batch * comm.size())
                             : "");
  ConsoleProgress progress(say);
  QF_ASSIGN_OR_RETURN(std::vector<EpochMetrics> history, Train(run, data, options, comm.is_root() ? &progress : nullptr));
  nlohmann::json qat = nullptr;
  if (quant::IsQatGraph(run.graph) && !options.checkpoint_path.empty()) {
    const std::string qfm = std::filesystem::path(options.checkpoint_path).replace_extension(".qfm").string();
    QF_ASSIGN_OR_RETURN(qat, ConvertAndCompare(run, data, qfm, options.backend));
    fmt::print(say, "QAT: simulated accuracy {:.4f}, runtime (int8 .qfm) accuracy {:.4f}, agreement {:.4f}; {} ({} bytes)\n",
               qat["qat_sim_accuracy"].get<double>(), qat["int8_accuracy"].get<double>(),
               qat["agreement"].get<double>(), qfm, qat["model_bytes"].get<int64_t>());
  }
  if (comm.is_root()) ReportRun(f, run, options, history, qat, hooks);
  return Status::Ok();
}

Status RunTrain(const TrainFlags& f) {
  SetNumThreads(f.threads);
  return f.distributed.RunOnRank(f.threads, [&f](distributed::Communicator& comm) { return TrainOnRank(f, comm); });
}

}  // namespace

Command AddTrainCommand(CLI::App& app) {
  auto f = std::make_shared<TrainFlags>();
  auto* cmd = app.add_subcommand("train", "train a model on an image dataset");
  cmd->add_option("--model", f->model, "zoo model: " + ZooModelNames());
  f->data.Register(*cmd);
  f->preprocess.Register(*cmd);
  f->epochs_opt = cmd->add_option("--epochs", f->epochs, "total epochs (default: the model's recipe)")
                      ->check(CLI::Range(1, 100000));
  f->batch_opt = AddBatchFlag(*cmd, &f->batch, "batch size (default: the model's recipe)");
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
  AddThreadsFlag(*cmd, &f->threads);
  AddOutFlag(*cmd, &f->out, "the checkpoint to write, .ckpt (default runs/MODEL/model.ckpt); --qat also writes the .qfm beside it");
  cmd->add_option("--init", f->init, "start from this checkpoint's (or ONNX model's) weights (fine-tuning)");
  cmd->add_option("--resume", f->resume, "continue this checkpoint's training run exactly");
  cmd->add_option("--augment-crop", f->crop_padding, "random-crop padding in pixels")->check(CLI::Range(0, 16));
  cmd->add_flag("--augment-flip", f->flip, "random horizontal flips");
  cmd->add_flag("--stream", f->stream,
                "image folders and NPY shard folders: read the training images from disk as batches need them "
                "(datasets larger than memory)");
  f->loader_threads_opt = cmd->add_option("--loader-threads", f->prefetch.threads, "--stream: threads reading, fitting and augmenting images")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  f->prefetch_opt = cmd->add_option("--prefetch", f->prefetch.depth, "--stream: batches read ahead of training")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_flag("--reference", f->reference, "use the plain reference kernels (slow; for checking)");
  cmd->add_flag("--profile", f->profile, "print time per layer (forward/backward) at the end");
  cmd->add_flag("--qat", f->qat, "quantization-aware training (fake quantization, batch-norm folding)");
  cmd->add_option("--scheme", f->scheme, "QAT scheme: int8, int8-per-tensor, nbit, int16x8")->capture_default_str();
  cmd->add_option("--quantizer", f->quantizer, "QAT quantizers: ema, lsq or pact")->capture_default_str();
  cmd->add_option("--w-bits", f->w_bits, "nbit scheme: weight bits")->check(CLI::Range(2, 8));
  cmd->add_option("--a-bits", f->a_bits, "nbit scheme: activation bits")->check(CLI::Range(2, 8));
  cmd->add_flag("--qat-keep-float", f->qat_keep_float, "keep nodes QAT cannot quantize in float (listed)");
  cmd->add_option("--keep-float", f->keep_float, "QAT: these nodes stay float (float regions of the .qfm)")->delimiter(',');
  cmd->add_option("--freeze-bn-step", f->freeze_bn_step, "QAT: batch norms use running statistics from this step on")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  cmd->add_option("--freeze-observers-step", f->freeze_observers_step, "QAT: ranges stop moving from this step on")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  f->prune.Register(*cmd);
  f->cluster.Register(*cmd);
  f->distributed.Register(*cmd, /*training=*/true);
  AddJsonFlag(*cmd, &f->json);
  SetExamples(*cmd, {"qforge train --model lenet5 --epochs 3",
                     "qforge train --init runs/lenet5/model.ckpt --qat --epochs 1 --lr 1e-4 --out runs/qat/model.ckpt",
                     "qforge train --resume runs/lenet5/model.ckpt --epochs 12 --json",
                     "mpirun -np 2 qforge train --model lenet5 --batch 32 --epochs 3  # global batch 64",
                     "qforge train --init resnet18.onnx --input-size 32 --epochs 5 --out runs/resnet18/model.ckpt",
                     "qforge train --init model.onnx --data my-images/ --input-size 224 --mean 0.485,0.456,0.406 "
                     "--std 0.229,0.224,0.225"});
  return {[f] { return CheckTrain(*f); }, [f] { return RunTrain(*f); }};
}

}  // namespace qforge::cli
