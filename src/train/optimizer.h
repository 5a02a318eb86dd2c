// Optimizers: SGD (momentum, Nesterov, weight decay), Adam (L2 weight decay) and AdamW
// (decoupled weight decay). Weight decay applies to weights of rank >= 2 only, not to
// biases or batch-norm parameters. The state (moments, step count) is checkpointed.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "graph/graph.h"

namespace qforge {

struct OptimizerConfig {
  std::string type = "sgd";  // sgd | adam | adamw
  float momentum = 0.9f;
  bool nesterov = false;
  float weight_decay = 0.0f;
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
};

Status ValidateOptimizerConfig(const OptimizerConfig& config);

class Optimizer {
 public:
  explicit Optimizer(OptimizerConfig config) : config_(std::move(config)) {}

  // Updates every trainable parameter of `graph` from grads[param_index] with learning rate lr.
  void Step(Graph& graph, const std::vector<const Tensor*>& grads, float lr);

  const OptimizerConfig& config() const { return config_; }
  int64_t steps() const { return steps_; }
  // Named state tensors ("<param>/m", "<param>/v") for checkpoints.
  std::map<std::string, Tensor>& state() { return state_; }
  void set_steps(int64_t steps) { steps_ = steps; }

 private:
  Tensor& Slot(const std::string& name, const Shape& shape);

  OptimizerConfig config_;
  int64_t steps_ = 0;
  std::map<std::string, Tensor> state_;
};

}  // namespace qforge
