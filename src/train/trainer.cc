// Training loop and evaluation.
#include "train/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "train/data_parallel.h"
#include "train/executor.h"
#include "train/logits.h"
#include "train/loss.h"
#include "train/train_step.h"

namespace qforge {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

Status CheckModelFitsData(const Graph& graph, const ImageDataset& data) {
  if (graph.inputs().size() != 1 || graph.outputs().size() != 1)
    return InvalidArgument("image classification needs a model with one input and one output");
  const Shape& in = graph.values()[graph.inputs()[0]].shape;
  const Shape want{-1, data.channels, data.height, data.width};
  if (in != want)
    return InvalidArgument("model input is {} but the dataset images are {}", ShapeToString(in),
                           ShapeToString(want));
  const Shape& out = graph.values()[graph.outputs()[0]].shape;
  if (out.size() != 2 || out[1] < data.num_classes)
    return InvalidArgument("model output is {} but the dataset has {} classes", ShapeToString(out),
                           data.num_classes);
  if (!data.labelled()) return InvalidArgument("training and evaluation need labelled images, and this data has none");
  return Status::Ok();
}

}  // namespace

StatusOr<EvalResult> Evaluate(Graph& graph, const ImageDataset& data, const Preprocess& pre,
                              int64_t batch, Backend backend) {
  QF_RETURN_IF_ERROR(CheckModelFitsData(graph, data));
  Executor exec(&graph, backend);
  BatchIterator it(data, pre, batch, /*shuffle=*/false, 0);
  Tensor images;
  std::vector<int32_t> labels;
  EvalResult r;
  double loss_sum = 0;
  int64_t correct = 0;
  while (it.Next(&images, &labels)) {
    QF_RETURN_IF_ERROR(exec.Forward({&images}, /*training=*/false));
    loss_sum += SoftmaxCrossEntropy(exec.value(LogitsValue(graph)), labels, nullptr) * labels.size();
    const std::vector<int32_t> predicted = ArgMax(exec.value(graph.outputs()[0]));
    for (size_t i = 0; i < labels.size(); ++i) correct += predicted[i] == labels[i];
    r.predictions.insert(r.predictions.end(), predicted.begin(), predicted.end());
    r.count += static_cast<int64_t>(labels.size());
  }
  QF_RETURN_IF_ERROR(it.status());
  if (r.count == 0) return InvalidArgument("evaluation set is empty");
  r.accuracy = static_cast<double>(correct) / r.count;
  r.loss = loss_sum / r.count;
  return r;
}

StatusOr<EvalResult> EvaluateSharded(Graph& graph, const ImageDataset& data, const Preprocess& pre, int64_t batch,
                                     Backend backend, distributed::Communicator& comm) {
  if (comm.size() == 1) return Evaluate(graph, data, pre, batch, backend);
  const int64_t first = data.count * comm.rank() / comm.size(), end = data.count * (comm.rank() + 1) / comm.size();
  double sums[3] = {0, 0, 0};  // loss, correct, count
  if (end > first) {
    QF_ASSIGN_OR_RETURN(const EvalResult part,
                        Evaluate(graph, SliceExamples(data, first, end - first), pre, batch, backend));
    const auto n = static_cast<double>(part.count);
    sums[0] = part.loss * n, sums[1] = part.accuracy * n, sums[2] = n;
  }
  comm.Sum(sums, 3);
  if (sums[2] == 0) return InvalidArgument("evaluation set is empty");
  EvalResult r;
  r.count = static_cast<int64_t>(sums[2]);
  r.loss = sums[0] / sums[2];
  r.accuracy = sums[1] / sums[2];
  return r;
}

StatusOr<std::vector<EpochMetrics>> Train(Checkpoint& run, const TrainTestData& data,
                                          TrainOptions options, ProgressReporter* progress) {
  Graph& graph = run.graph;
  QF_RETURN_IF_ERROR(CheckModelFitsData(graph, data.train));
  const bool evaluate = data.test.count > 0;  // the test split is evaluated after every epoch
  if (evaluate) QF_RETURN_IF_ERROR(CheckModelFitsData(graph, data.test));
  QF_RETURN_IF_ERROR(ValidateOptimizerConfig(options.optimizer));
  if (options.epochs < 1) return InvalidArgument("epochs must be >= 1");
  if (options.batch < 1) return InvalidArgument("batch size must be >= 1");
  distributed::Communicator* comm = options.comm && options.comm->size() > 1 ? options.comm : nullptr;
  const Shard shard = comm ? Shard{comm->rank(), comm->size()} : Shard{};
  const int64_t batches_per_epoch = BatchesPerEpoch(data.train.count, options.batch, shard.count);
  if (batches_per_epoch == 0)
    return InvalidArgument("{} training examples cannot give each of {} ranks one", data.train.count, shard.count);
  options.schedule.total_steps = batches_per_epoch * options.epochs;
  QF_RETURN_IF_ERROR(options.schedule.Validate());

  const int start_epoch = run.meta.train_state.value("epochs_done", 0);
  if (start_epoch >= options.epochs)
    return InvalidArgument("the checkpoint has already trained {} epochs; ask for more than that",
                           start_epoch);
  if (comm) QF_RETURN_IF_ERROR(BroadcastModel(graph, run.optimizer_state, *comm));
  TrainStep trainer(&graph, options.optimizer, options.backend);
  trainer.SetDataParallel(comm, options.bucket_bytes);
  trainer.optimizer().state() = run.optimizer_state;
  trainer.optimizer().set_steps(run.optimizer_steps);
  if (options.profile) trainer.executor().EnableProfiling(true);

  Tensor images;
  std::vector<int32_t> labels;
  std::vector<EpochMetrics> history;
  int64_t step = static_cast<int64_t>(start_epoch) * batches_per_epoch;

  for (int epoch = start_epoch; epoch < options.epochs; ++epoch) {
    // Everything random in an epoch derives from (seed, epoch): resuming replays it exactly.
    BatchIterator it(data.train, run.meta.preprocess, options.batch, /*shuffle=*/true,
                     DeriveSeed(options.seed, 2 * epoch), options.augment, shard, options.prefetch);
    // Each rank drops out independently.
    const uint64_t dropout_seed = DeriveSeed(options.seed, 2 * epoch + 1);
    Rng dropout_rng(comm ? DeriveSeed(dropout_seed, comm->rank()) : dropout_seed);
    const double communication_start = comm ? comm->seconds_in_collectives() : 0.0;
    const auto start = Clock::now();
    double loss_sum = 0;
    int64_t correct = 0, seen = 0, b = 0;
    while (it.Next(&images, &labels)) {
      if (options.before_step) options.before_step(step, graph);
      auto result = trainer.Run(images, labels, options.schedule.At(step), &dropout_rng);
      if (!result.ok())
        return Status(result.status().code(), fmt::format("epoch {}, step {}: {}", epoch + 1, step,
                                                          result.status().message()));
      if (options.after_step) options.after_step(step, graph);
      correct += result->correct;
      ++step;
      ++b;
      loss_sum += result->loss * static_cast<double>(result->count);
      seen += result->count;
      if (progress)
        progress->OnBatch(epoch + 1, options.epochs, b, batches_per_epoch, loss_sum / seen,
                          static_cast<double>(correct) / seen, seen / Seconds(start),
                          Seconds(start));
    }
    if (!it.status().ok())
      return Status(it.status().code(), fmt::format("epoch {}: {}", epoch + 1, it.status().message()));
    EpochMetrics m;
    m.epoch = epoch + 1;
    m.seconds = Seconds(start);
    if (comm) m.communication_seconds = comm->seconds_in_collectives() - communication_start;
    m.images_per_second = seen / m.seconds;
    m.train_loss = loss_sum / seen;
    m.train_accuracy = static_cast<double>(correct) / seen;
    m.test_loss = m.test_accuracy = std::nan("");
    if (evaluate) {
      const int64_t eval_batch = std::max<int64_t>(options.batch, 256);
      QF_ASSIGN_OR_RETURN(EvalResult test,
                          comm ? EvaluateSharded(graph, data.test, run.meta.preprocess, eval_batch, options.backend, *comm)
                               : Evaluate(graph, data.test, run.meta.preprocess, eval_batch, options.backend));
      m.test_loss = test.loss;
      m.test_accuracy = test.accuracy;
    }
    history.push_back(m);

    run.optimizer_state = trainer.optimizer().state();
    run.optimizer_steps = trainer.optimizer().steps();
    auto& state = run.meta.train_state;
    state["epochs_done"] = epoch + 1;
    state["seed"] = options.seed;
    state["world_size"] = shard.count;
    state["test_accuracy"] = m.test_accuracy;
    state["history"].push_back({{"epoch", m.epoch}, {"train_loss", m.train_loss},
                                {"test_accuracy", m.test_accuracy},
                                {"images_per_second", m.images_per_second}});
    if (comm) QF_RETURN_IF_ERROR(CheckReplicasAgree(graph, run.optimizer_state, *comm));
    if (!options.checkpoint_path.empty())
      QF_RETURN_IF_ERROR(SaveCheckpoint(options.checkpoint_path, graph, run.meta,
                                        run.optimizer_state, run.optimizer_steps));
    // Rank 0's reporter decides for every rank whether to go on.
    char stop = progress && !progress->OnEpoch(m, options.epochs);
    if (comm) comm->Broadcast(&stop, 1);
    if (stop) break;
  }
  if (options.profile) std::fputs(trainer.executor().ProfileReport().c_str(), stderr);
  return history;
}

}  // namespace qforge
