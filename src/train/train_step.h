// TrainStep: one optimization step on one batch (forward, softmax cross-entropy, backward,
// optimizer update). Shared by the trainer loop and the training benchmarks. In data-parallel
// training the batch is this rank's shard of a global batch: batch statistics, the loss and
// the gradients are those of the global batch (reduced over the ranks), so every rank makes
// the same update.
#pragma once

#include <memory>
#include <vector>

#include "distributed/communicator.h"
#include "train/executor.h"
#include "train/gradient_allreduce.h"
#include "train/optimizer.h"

namespace qforge {

struct StepResult {
  double loss = 0;      // mean over the (global) batch
  int64_t correct = 0;  // over the (global) batch
  int64_t count = 0;    // examples in the (global) batch
};

class TrainStep {
 public:
  TrainStep(Graph* graph, const OptimizerConfig& optimizer, Backend backend);

  // Makes the steps data-parallel over comm's ranks (a communicator of one rank: no change).
  void SetDataParallel(distributed::Communicator* comm,
                       int64_t bucket_bytes = GradientAllReduce::kDefaultBucketBytes);

  // Fails on an input that does not fit the model or a non-finite loss (on every rank alike).
  StatusOr<StepResult> Run(const Tensor& images, const std::vector<int32_t>& labels, float lr,
                           Rng* rng);

  Executor& executor() { return exec_; }
  Optimizer& optimizer() { return optimizer_; }

 private:
  Graph* graph_;
  Executor exec_;
  Optimizer optimizer_;
  distributed::Communicator* comm_ = nullptr;  // null: one process
  std::unique_ptr<GradientAllReduce> allreduce_;
  Tensor dlogits_;
  std::vector<const Tensor*> grads_;
};

}  // namespace qforge
