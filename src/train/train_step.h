// TrainStep: one optimization step on one batch (forward, softmax cross-entropy, backward,
// optimizer update). Shared by the trainer loop and the training benchmarks.
#pragma once

#include <vector>

#include "train/executor.h"
#include "train/optimizer.h"

namespace qforge {

struct StepResult {
  double loss = 0;
  int64_t correct = 0;
};

class TrainStep {
 public:
  TrainStep(Graph* graph, const OptimizerConfig& optimizer, Backend backend);

  // Fails on an input that does not fit the model or a non-finite loss.
  StatusOr<StepResult> Run(const Tensor& images, const std::vector<int32_t>& labels, float lr,
                           Rng* rng);

  Executor& executor() { return exec_; }
  Optimizer& optimizer() { return optimizer_; }

 private:
  Graph* graph_;
  Executor exec_;
  Optimizer optimizer_;
  Tensor dlogits_;
  std::vector<const Tensor*> grads_;
};

}  // namespace qforge
