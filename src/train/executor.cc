// Executor: forward in node order, backward in reverse node order with gradient accumulation.
#include "train/executor.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "core/check.h"
#include "core/simd_clones.h"

namespace qforge {
namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// acc += add (a value read by several nodes sums their gradients).
QF_SIMD_CLONES void Accumulate(const float* __restrict add, float* __restrict acc, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (int64_t j = 0; j < n; ++j) acc[j] += add[j];
}

}  // namespace

Executor::Executor(Graph* graph, Backend backend) : graph_(graph) {
  ctx_.backend = backend;
  const auto& values = graph_->values();
  const auto& nodes = graph_->nodes();
  node_outputs_.resize(nodes.size());
  grads_.resize(values.size());
  has_grad_.assign(values.size(), 0);
  needs_grad_.assign(values.size(), 0);
  for (const Param& p : graph_->params()) needs_grad_[p.value] = p.trainable;
  scratch_.resize(nodes.size());
  in_ptrs_.resize(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (int v : nodes[i].inputs) needs_grad_[nodes[i].output] |= needs_grad_[v];
    scratch_[i].resize(nodes[i].inputs.size());
    in_ptrs_[i].resize(nodes[i].inputs.size());
  }
  bound_inputs_.resize(graph_->inputs().size());
  forward_seconds_.assign(nodes.size(), 0.0);
  backward_seconds_.assign(nodes.size(), 0.0);
}

std::string Executor::ProfileReport() const {
  const auto& nodes = graph_->nodes();
  double total = 0;
  for (size_t i = 0; i < nodes.size(); ++i) total += forward_seconds_[i] + backward_seconds_[i];
  std::string s = fmt::format("{:<14} {:<14} {:>10} {:>10} {:>6}\n", "node", "op", "fwd ms", "bwd ms", "share");
  for (size_t i = 0; i < nodes.size(); ++i)
    s += fmt::format("{:<14} {:<14} {:>10.1f} {:>10.1f} {:>5.1f}%\n", nodes[i].name, nodes[i].op->type(),
                     1e3 * forward_seconds_[i], 1e3 * backward_seconds_[i],
                     100.0 * (forward_seconds_[i] + backward_seconds_[i]) / std::max(total, 1e-12));
  return s;
}

const Tensor& Executor::value(int id) const {
  const Value& v = graph_->values()[id];
  switch (v.kind) {
    case ValueKind::kInput: return *bound_inputs_[v.index];
    case ValueKind::kParam: return graph_->params()[v.index].tensor;
    case ValueKind::kNode: break;
  }
  return node_outputs_[v.index];
}

Status Executor::Forward(const std::vector<const Tensor*>& inputs, bool training, Rng* rng) {
  const auto& values = graph_->values();
  if (inputs.size() != graph_->inputs().size())
    return InvalidArgument("model takes {} inputs, got {}", graph_->inputs().size(), inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Shape& want = values[graph_->inputs()[i]].shape;
    const Shape& got = inputs[i]->shape();
    bool match = got.size() == want.size() && !got.empty() && got[0] > 0;
    for (size_t d = 1; match && d < want.size(); ++d) match = got[d] == want[d];
    if (!match)
      return InvalidArgument("input '{}' must be {}, got {}", values[graph_->inputs()[i]].name,
                             ShapeToString(want), ShapeToString(got));
    bound_inputs_[i] = inputs[i];
  }
  ctx_.training = training;
  ctx_.rng = rng;
  auto& nodes = graph_->nodes();
  std::vector<Shape> shapes;
  for (size_t i = 0; i < nodes.size(); ++i) {
    Node& node = nodes[i];
    shapes.clear();
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      const Tensor& t = value(node.inputs[k]);
      in_ptrs_[i][k] = const_cast<Tensor*>(&t);  // ops only mutate their declared state inputs
      shapes.push_back(t.shape());
    }
    auto shape = node.op->InferShape(shapes);
    if (!shape.ok()) return InvalidArgument("node '{}': {}", node.name, shape.status().message());
    node_outputs_[i].Resize(*shape);
    const double start = profiling_ ? Now() : 0.0;
    node.op->Forward(ctx_, in_ptrs_[i], node_outputs_[i]);
    if (profiling_) forward_seconds_[i] += Now() - start;
  }
  return Status::Ok();
}

void Executor::Backward(const std::vector<std::pair<int, const Tensor*>>& seeds) {
  const auto& values = graph_->values();
  std::fill(has_grad_.begin(), has_grad_.end(), 0);
  for (const auto& [id, grad] : seeds) {
    QF_CHECK(values[id].kind == ValueKind::kNode);
    QF_CHECK(grad->shape() == value(id).shape());
    grads_[id] = *grad;
    has_grad_[id] = 1;
  }
  auto& nodes = graph_->nodes();
  std::vector<Tensor*> din;
  for (size_t i = nodes.size(); i-- > 0;) {
    Node& node = nodes[i];
    if (!has_grad_[node.output] || !needs_grad_[node.output]) {
      if (backward_listener_) backward_listener_(static_cast<int>(i));
      continue;
    }
    din.assign(node.inputs.size(), nullptr);
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      if (!needs_grad_[node.inputs[k]]) continue;
      scratch_[i][k].Resize(in_ptrs_[i][k]->shape());
      din[k] = &scratch_[i][k];
    }
    const double start = profiling_ ? Now() : 0.0;
    node.op->Backward(ctx_, in_ptrs_[i], node_outputs_[i], grads_[node.output], din);
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      if (!din[k]) continue;
      const int v = node.inputs[k];
      if (!has_grad_[v]) {
        std::swap(grads_[v], scratch_[i][k]);
        has_grad_[v] = 1;
      } else {
        Accumulate(scratch_[i][k].data(), grads_[v].data(), grads_[v].size());
      }
    }
    if (profiling_) backward_seconds_[i] += Now() - start;
    if (backward_listener_) backward_listener_(static_cast<int>(i));
  }
  // Trainable parameters that did not influence the seeds get a zero gradient.
  for (const Param& p : graph_->params()) {
    if (p.trainable && !has_grad_[p.value]) {
      grads_[p.value].Resize(p.tensor.shape());
      grads_[p.value].Fill(0.0f);
    }
  }
}

}  // namespace qforge
