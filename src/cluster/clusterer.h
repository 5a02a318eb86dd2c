// Weight sharing during training (Deep Compression's "trained quantization"): the weights of
// each Conv2D and Dense node take one of k shared values (per tensor, or per output channel).
// At the start every tensor's (or channel's) centroids are initialized and refined by k-means and each weight assigned to its nearest;
// before each training step the weights are set to their centroids, and after the optimizer's
// update each centroid moves by the mean of its members' updates — the centroids are trained
// by their members' gradients — and the weights are set to the centroids again, so the
// assignments stay fixed. With preserve_sparsity, zero (pruned) weights keep an exact zero of
// their own, outside the k. Driven through TrainOptions' before/after-step hooks. C++20.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cluster/centroids.h"
#include "graph/graph.h"

namespace qforge::cluster {

struct ClusterOptions {
  int k = 16;  // shared values per tensor, or per output channel (2..256)
  // Each output channel of a weight tensor gets its own k centroids (k x channels values per
  // tensor; the int8 weights then take at most k values per channel on their per-channel grid).
  bool per_channel = false;
  CentroidInit init = CentroidInit::kLinear;
  int kmeans_iterations = 10;   // after the initialization (0: the initialization only)
  bool preserve_sparsity = true;
  std::map<std::string, int> layer_k;  // per node: its own k
  std::vector<std::string> skip;       // nodes left unclustered
  int64_t min_elements = 256;          // smaller tensors are left alone
  uint64_t seed = 1;
};

struct ClusteredLayer {
  std::string node;
  int param = -1;
  std::vector<float> centroids;     // ascending at creation (per channel: channel c's k first)
  std::vector<int32_t> assignment;  // per weight: a centroid, or -1 for a preserved zero
};

class Clusterer {
 public:
  // A graph whose weights already take at most k values (a resumed run) gets exactly those
  // values as its centroids back.
  static StatusOr<Clusterer> Create(const Graph& graph, const ClusterOptions& options);

  void BeforeStep(Graph& graph) const;  // weights = their centroids
  void AfterStep(Graph& graph);         // centroids += mean member update; weights = centroids

  const std::vector<ClusteredLayer>& layers() const { return layers_; }
  const std::vector<std::string>& skipped() const { return skipped_; }

 private:
  void Share(Graph& graph) const;
  std::vector<ClusteredLayer> layers_;
  std::vector<std::string> skipped_;
};

// Distinct nonzero values in a tensor (k after clustering).
int64_t DistinctNonzero(const float* w, int64_t n);

}  // namespace qforge::cluster
