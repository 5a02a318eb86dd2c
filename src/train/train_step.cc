// One training step.
#include "train/train_step.h"

#include <cmath>

#include "train/logits.h"
#include "train/loss.h"

namespace qforge {

TrainStep::TrainStep(Graph* graph, const OptimizerConfig& optimizer, Backend backend)
    : graph_(graph), exec_(graph, backend), optimizer_(optimizer), grads_(graph->params().size()) {}

StatusOr<StepResult> TrainStep::Run(const Tensor& images, const std::vector<int32_t>& labels,
                                    float lr, Rng* rng) {
  QF_RETURN_IF_ERROR(exec_.Forward({&images}, /*training=*/true, rng));
  const int logits = LogitsValue(*graph_);
  StepResult r;
  r.loss = SoftmaxCrossEntropy(exec_.value(logits), labels, &dlogits_);
  if (!std::isfinite(r.loss))
    return Status(StatusCode::kFailedPrecondition,
                  fmt::format("loss is {}: training diverged (try a lower --lr)", r.loss));
  r.correct = CountCorrect(exec_.value(graph_->outputs()[0]), labels);
  exec_.Backward({{logits, &dlogits_}});
  for (size_t p = 0; p < grads_.size(); ++p)
    grads_[p] = graph_->params()[p].trainable ? &exec_.param_grad(static_cast<int>(p)) : nullptr;
  optimizer_.Step(*graph_, grads_, lr);
  return r;
}

}  // namespace qforge
