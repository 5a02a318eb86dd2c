// One training step, alone or data-parallel.
#include "train/train_step.h"

#include <cmath>

#include "train/logits.h"
#include "train/loss.h"

namespace qforge {

TrainStep::TrainStep(Graph* graph, const OptimizerConfig& optimizer, Backend backend)
    : graph_(graph), exec_(graph, backend), optimizer_(optimizer), grads_(graph->params().size()) {}

void TrainStep::SetDataParallel(distributed::Communicator* comm, int64_t bucket_bytes) {
  if (!comm || comm->size() == 1) return;
  comm_ = comm;
  exec_.set_replicas(comm);
  allreduce_ = std::make_unique<GradientAllReduce>(*graph_, comm, bucket_bytes);
  allreduce_->Attach(exec_);
}

StatusOr<StepResult> TrainStep::Run(const Tensor& images, const std::vector<int32_t>& labels,
                                    float lr, Rng* rng) {
  QF_RETURN_IF_ERROR(exec_.Forward({&images}, /*training=*/true, rng));
  const int logits = LogitsValue(*graph_);
  const double local_loss = SoftmaxCrossEntropy(exec_.value(logits), labels, &dlogits_);
  const int64_t local_correct = CountCorrect(exec_.value(graph_->outputs()[0]), labels);
  const auto local_count = static_cast<int64_t>(labels.size());
  // The global batch's loss, accuracy and size: every rank sees the same (a rank whose loss
  // diverged stops them all alike).
  double totals[3] = {local_loss * static_cast<double>(local_count), static_cast<double>(local_correct),
                      static_cast<double>(local_count)};
  if (comm_) comm_->Sum(totals, 3);
  StepResult r;
  r.count = static_cast<int64_t>(totals[2]);
  r.loss = totals[0] / totals[2];
  r.correct = static_cast<int64_t>(totals[1]);
  if (!std::isfinite(r.loss))
    return Status(StatusCode::kFailedPrecondition,
                  fmt::format("loss is {}: training diverged (try a lower --lr)", r.loss));
  // The loss is the global batch's mean: this shard's share of its gradient.
  if (comm_) {
    const auto share = static_cast<float>(static_cast<double>(local_count) / totals[2]);
    for (int64_t i = 0; i < dlogits_.size(); ++i) dlogits_[i] *= share;
  }
  exec_.Backward({{logits, &dlogits_}});
  if (allreduce_) allreduce_->Finish(exec_);
  for (size_t p = 0; p < grads_.size(); ++p)
    grads_[p] = graph_->params()[p].trainable ? &exec_.param_grad(static_cast<int>(p)) : nullptr;
  optimizer_.Step(*graph_, grads_, lr);
  return r;
}

}  // namespace qforge
