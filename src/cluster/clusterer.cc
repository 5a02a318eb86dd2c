// The clusterer: choosing tensors, initial clustering, sharing and centroid updates.
#include "cluster/clusterer.h"

#include <algorithm>
#include <set>

namespace qforge::cluster {

int64_t DistinctNonzero(const float* w, int64_t n) {
  std::set<float> values;
  for (int64_t e = 0; e < n; ++e)
    if (w[e] != 0.0f) values.insert(w[e]);
  return static_cast<int64_t>(values.size());
}

StatusOr<Clusterer> Clusterer::Create(const Graph& graph, const ClusterOptions& options) {
  auto valid_k = [](int k) { return k >= 2 && k <= 256; };
  if (!valid_k(options.k)) return InvalidArgument("clusters per tensor must be in 2..256, not {}", options.k);
  if (options.kmeans_iterations < 0) return InvalidArgument("k-means iterations must be >= 0");
  for (const auto& [node, k] : options.layer_k) {
    if (!valid_k(k)) return InvalidArgument("clusters of '{}' must be in 2..256, not {}", node, k);
    if (!IsWeightedNode(graph, node)) return InvalidArgument("no Conv2D or Dense node '{}' to give a cluster count", node);
  }
  Clusterer c;
  Rng rng(options.seed);
  for (const auto& [node, param] : SelectWeightedNodes(graph, options.skip, options.min_elements, &c.skipped_)) {
    const Tensor& w = graph.params()[param].tensor;
    const auto own = options.layer_k.find(node->name);
    const int k = own != options.layer_k.end() ? own->second : options.k;
    ClusteredLayer layer;
    layer.node = node->name;
    layer.param = param;
    layer.assignment.assign(static_cast<size_t>(w.size()), -1);
    // One group of weights per tensor, or per output channel (contiguous: weights are [out, ...]).
    const int64_t groups = options.per_channel ? w.shape()[0] : 1, per = w.size() / groups;
    for (int64_t g = 0; g < groups; ++g) {
      const float* group = w.data() + g * per;
      std::vector<float> values;  // the weights to cluster (zeros left out when preserved)
      for (int64_t e = 0; e < per; ++e)
        if (!(options.preserve_sparsity && group[e] == 0.0f)) values.push_back(group[e]);
      if (values.empty()) continue;
      std::vector<float> centroids = InitCentroids(values, k, options.init, rng);
      if (static_cast<int64_t>(centroids.size()) == k || DistinctNonzero(group, per) > k)
        KMeans(values, centroids, options.kmeans_iterations);
      const auto offset = static_cast<int32_t>(layer.centroids.size());
      for (int64_t e = 0; e < per; ++e)
        if (!(options.preserve_sparsity && group[e] == 0.0f))
          layer.assignment[g * per + e] = offset + static_cast<int32_t>(Nearest(centroids, group[e]));
      layer.centroids.insert(layer.centroids.end(), centroids.begin(), centroids.end());
    }
    c.layers_.push_back(std::move(layer));
  }
  if (c.layers_.empty()) return InvalidArgument("no Conv2D or Dense weights to cluster");
  return c;
}

void Clusterer::Share(Graph& graph) const {
  for (const ClusteredLayer& layer : layers_) {
    float* w = graph.params()[layer.param].tensor.data();
    for (size_t e = 0; e < layer.assignment.size(); ++e) {
      const int a = layer.assignment[e];
      w[e] = a < 0 ? 0.0f : layer.centroids[a];
    }
  }
}

void Clusterer::BeforeStep(Graph& graph) const { Share(graph); }

void Clusterer::AfterStep(Graph& graph) {
  for (ClusteredLayer& layer : layers_) {
    const float* w = graph.params()[layer.param].tensor.data();
    std::vector<double> moved(layer.centroids.size(), 0.0);
    std::vector<int64_t> members(layer.centroids.size(), 0);
    for (size_t e = 0; e < layer.assignment.size(); ++e) {
      const int a = layer.assignment[e];
      if (a < 0) continue;
      moved[a] += static_cast<double>(w[e]) - layer.centroids[a];  // this member's update
      ++members[a];
    }
    for (size_t j = 0; j < layer.centroids.size(); ++j)
      if (members[j] > 0) layer.centroids[j] += static_cast<float>(moved[j] / static_cast<double>(members[j]));
  }
  Share(graph);
}

}  // namespace qforge::cluster
