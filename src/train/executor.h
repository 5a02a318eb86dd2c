// Executor: runs a Graph forward and, for training, backward (reverse-mode autodiff over the
// node list). Buffers persist across calls and keep their capacity, so a steady-state training
// step does not allocate.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace qforge {

class Executor {
 public:
  explicit Executor(Graph* graph, Backend backend = Backend::kFast);

  // One tensor per graph input, in graph order, each [N, ...] matching the declared shape.
  // Returns an error naming the input or node on a shape mismatch.
  Status Forward(const std::vector<const Tensor*>& inputs, bool training, Rng* rng = nullptr);
  const Tensor& value(int value_id) const;

  // Back-propagates from the given output gradients (value id, dL/dvalue) to every trainable
  // parameter. Requires a preceding Forward.
  void Backward(const std::vector<std::pair<int, const Tensor*>>& seeds);
  // Gradient of a trainable parameter after Backward (zeros if it did not influence the seeds).
  const Tensor& param_grad(int param_index) const { return grads_[graph_->params()[param_index].value]; }
  Tensor& param_grad(int param_index) { return grads_[graph_->params()[param_index].value]; }
  // During Backward: whether a parameter has received a gradient yet.
  bool has_param_grad(int param_index) const { return has_grad_[graph_->params()[param_index].value]; }

  // Data-parallel training: the replicas that hold the rest of each batch (ops/op.h).
  void set_replicas(ReplicaGroup* replicas) { ctx_.replicas = replicas; }
  // Called during Backward after each node's turn (node index, in reverse order; nodes
  // without a gradient included), e.g. to send finished gradients while the rest go on.
  void set_backward_listener(std::function<void(int node)> listener) { backward_listener_ = std::move(listener); }

  // Per-node wall time of forward and backward, accumulated while enabled.
  void EnableProfiling(bool on) { profiling_ = on; }
  std::string ProfileReport() const;

 private:
  Graph* graph_;
  OpContext ctx_;
  std::vector<const Tensor*> bound_inputs_;     // per graph input
  std::vector<Tensor> node_outputs_;            // per node
  std::vector<Tensor> grads_;                   // per value
  std::vector<char> has_grad_, needs_grad_;     // per value
  std::vector<std::vector<Tensor>> scratch_;    // per node, per input slot
  std::vector<std::vector<Tensor*>> in_ptrs_;   // per node
  std::function<void(int node)> backward_listener_;
  bool profiling_ = false;
  std::vector<double> forward_seconds_, backward_seconds_;  // per node
};

}  // namespace qforge
