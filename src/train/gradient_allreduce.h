// GradientAllReduce: sums the trainable parameters' gradients over the ranks of a data-parallel
// job. Parameters are grouped into buckets of about `bucket_bytes`, in the order back-
// propagation finishes them (the last layers first); a bucket's sum starts as soon as its last
// gradient is final, while back-propagation goes on through the earlier layers, and Finish
// waits for all of them and writes the sums back. Gradients must already be scaled for the
// global batch (each rank's loss gradient divided by the global batch size).
#pragma once

#include <cstdint>
#include <vector>

#include "distributed/communicator.h"
#include "train/executor.h"

namespace qforge {

class GradientAllReduce {
 public:
  static constexpr int64_t kDefaultBucketBytes = 25 << 20;

  GradientAllReduce(const Graph& graph, distributed::Communicator* comm, int64_t bucket_bytes = kDefaultBucketBytes);

  // Attaches to an executor: its backward pass starts buckets as their gradients finish.
  void Attach(Executor& exec);
  // After Backward: starts the buckets not started yet, waits for every sum and writes it into
  // the executor's parameter gradients.
  void Finish(Executor& exec);

  int num_buckets() const { return static_cast<int>(buckets_.size()); }

 private:
  struct Bucket {
    std::vector<int> params;  // parameter indices
    std::vector<float> values;
    int waiting = 0;      // gradients not final yet in this backward pass
    bool started = false;
  };
  void OnNodeDone(int node, Executor& exec);
  void Start(Bucket& bucket, Executor& exec);

  distributed::Communicator* comm_;
  std::vector<int64_t> sizes_;  // per parameter, elements
  std::vector<Bucket> buckets_;
  std::vector<std::vector<int>> finished_by_node_;  // per node: buckets one of whose gradients it finishes
};

}  // namespace qforge
