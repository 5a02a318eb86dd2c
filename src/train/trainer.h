// The training loop: epochs of shuffled batches, loss, backward, optimizer step, LR schedule;
// test-set evaluation (unless the test split is empty: NaN metrics) and an atomic checkpoint
// after every epoch. Resuming from a checkpoint
// continues exactly where it stopped (same batches, same updates) for a given thread count.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "distributed/communicator.h"
#include "train/checkpoint.h"
#include "train/gradient_allreduce.h"
#include "train/lr_schedule.h"
#include "train/optimizer.h"

namespace qforge {

struct TrainOptions {
  int epochs = 1;  // total, counting epochs already in a resumed checkpoint
  int64_t batch = 64;
  OptimizerConfig optimizer;
  LrSchedule schedule;  // total_steps is filled in by Train
  uint64_t seed = 1;
  Augment augment;
  Backend backend = Backend::kFast;
  std::string checkpoint_path;  // written after every epoch; empty: not written
  bool profile = false;         // print per-node forward/backward times to stderr at the end
  // Data-parallel training over comm's ranks (null or one rank: this process alone). `batch`
  // is then each rank's share of a global batch of batch x ranks; the model is broadcast from
  // rank 0 first, and the replicas are checked to agree before every checkpoint.
  distributed::Communicator* comm = nullptr;
  Prefetch prefetch;  // a streamed training set: batches read ahead on worker threads
  int64_t bucket_bytes = GradientAllReduce::kDefaultBucketBytes;
  // Called before every step with the step's global index (e.g. to freeze parts of the graph),
  // and after its optimizer update (e.g. to keep pruned weights at zero).
  std::function<void(int64_t step, Graph& graph)> before_step, after_step;
};

struct EpochMetrics {
  int epoch = 0;  // 1-based
  double train_loss = 0, train_accuracy = 0, test_loss = 0, test_accuracy = 0;
  double images_per_second = 0, seconds = 0;
  double communication_seconds = 0;  // of `seconds`, spent in collectives (data-parallel)
};

class ProgressReporter {
 public:
  virtual ~ProgressReporter() = default;
  virtual void OnBatch(int epoch, int epochs, int64_t batch, int64_t num_batches, double loss,
                       double accuracy, double images_per_second,
                       double elapsed_seconds) {}
  // Called after the epoch's checkpoint is written; returning false stops training there
  // (the checkpoint can be resumed later).
  virtual bool OnEpoch(const EpochMetrics& m, int epochs) { return true; }
};

struct EvalResult {
  double accuracy = 0, loss = 0;
  int64_t count = 0;
  std::vector<int32_t> predictions;  // per example, in dataset order
};

StatusOr<EvalResult> Evaluate(Graph& graph, const ImageDataset& data, const Preprocess& pre,
                              int64_t batch, Backend backend);
// The same over comm's ranks, each evaluating its slice of the data: accuracy, loss and count
// of the whole (no predictions).
StatusOr<EvalResult> EvaluateSharded(Graph& graph, const ImageDataset& data, const Preprocess& pre, int64_t batch,
                                     Backend backend, distributed::Communicator& comm);

// Trains run.graph from epoch run.meta.train_state["epochs_done"] (0 if absent) up to
// options.epochs, updating run in place. Data-parallel (options.comm), every rank calls it with
// the same run and data; rank 0's progress reporter (the others pass none) decides when to stop.
StatusOr<std::vector<EpochMetrics>> Train(Checkpoint& run, const TrainTestData& data,
                                          TrainOptions options, ProgressReporter* progress);

}  // namespace qforge
