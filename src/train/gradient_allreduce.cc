// Bucketed gradient all-reduce, overlapped with back-propagation.
#include "train/gradient_allreduce.h"

#include <algorithm>
#include <cstring>

namespace qforge {

GradientAllReduce::GradientAllReduce(const Graph& graph, distributed::Communicator* comm, int64_t bucket_bytes)
    : comm_(comm), finished_by_node_(graph.nodes().size()) {
  for (const Param& p : graph.params()) sizes_.push_back(p.tensor.size());
  // A parameter's gradient is final once the first node (in forward order) reading it has
  // back-propagated: -1 for a parameter no node reads (its gradient is zero at the end).
  const auto& params = graph.params();
  std::vector<int> final_after(params.size(), -1);
  for (size_t p = 0; p < params.size(); ++p)
    for (size_t n = 0; n < graph.nodes().size() && final_after[p] < 0; ++n)
      for (int v : graph.nodes()[n].inputs)
        if (v == params[p].value) final_after[p] = static_cast<int>(n);
  std::vector<int> order;
  for (size_t p = 0; p < params.size(); ++p)
    if (params[p].trainable) order.push_back(static_cast<int>(p));
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return final_after[a] > final_after[b]; });
  int64_t bytes = bucket_bytes;  // start a new bucket first
  for (int p : order) {
    if (bytes >= bucket_bytes) {
      buckets_.emplace_back();
      bytes = 0;
    }
    buckets_.back().params.push_back(p);
    bytes += sizes_[p] * static_cast<int64_t>(sizeof(float));
  }
  for (size_t b = 0; b < buckets_.size(); ++b) {
    int64_t size = 0;
    for (int p : buckets_[b].params) {
      size += sizes_[p];
      if (final_after[p] >= 0) finished_by_node_[final_after[p]].push_back(static_cast<int>(b));
    }
    buckets_[b].values.resize(static_cast<size_t>(size));
  }
}

void GradientAllReduce::Attach(Executor& exec) {
  exec.set_backward_listener([this, &exec](int node) { OnNodeDone(node, exec); });
}

void GradientAllReduce::OnNodeDone(int node, Executor& exec) {
  // A new backward pass begins. A bucket with a parameter no node reads waits for Finish.
  if (node == static_cast<int>(finished_by_node_.size()) - 1) {
    for (Bucket& b : buckets_) {
      b.waiting = static_cast<int>(b.params.size());
      b.started = false;
    }
  }
  for (int b : finished_by_node_[node])
    if (--buckets_[b].waiting == 0) Start(buckets_[b], exec);
  comm_->Poll();
}

void GradientAllReduce::Start(Bucket& bucket, Executor& exec) {
  float* dst = bucket.values.data();
  for (int p : bucket.params) {
    // Every node reading it is done: no gradient now means a zero one (as Backward ends).
    if (exec.has_param_grad(p)) std::memcpy(dst, exec.param_grad(p).data(), sizeof(float) * sizes_[p]);
    else std::fill(dst, dst + sizes_[p], 0.0f);
    dst += sizes_[p];
  }
  comm_->StartSum(bucket.values.data(), static_cast<int64_t>(bucket.values.size()));
  bucket.started = true;
}

void GradientAllReduce::Finish(Executor& exec) {
  for (Bucket& b : buckets_)
    if (!b.started) Start(b, exec);
  comm_->FinishAll();
  for (Bucket& b : buckets_) {
    const float* src = b.values.data();
    for (int p : b.params) {
      Tensor& g = exec.param_grad(p);
      std::memcpy(g.data(), src, sizeof(float) * g.size());
      src += g.size();
    }
  }
}

}  // namespace qforge
