// The pruner: choosing the weights, updating and applying masks.
#include "sparsity/pruner.h"

#include <algorithm>

namespace qforge::sparsity {

StatusOr<Pruner> Pruner::Create(const Graph& graph, const PruneOptions& options, int64_t step) {
  if (!options.keep_zeros) QF_RETURN_IF_ERROR(options.schedule.Validate());
  for (const auto& [node, target] : options.layer_targets) {
    if (!(target >= 0.0 && target < 1.0)) return InvalidArgument("pruning target of '{}' must be in [0, 1)", node);
    if (!IsWeightedNode(graph, node)) return InvalidArgument("no Conv2D or Dense node '{}' to give a pruning target", node);
  }
  Pruner p;
  p.options_ = options;
  for (const auto& [node, param] : SelectWeightedNodes(graph, options.skip, options.min_elements, &p.skipped_)) {
    const Tensor& w = graph.params()[param].tensor;
    if (const std::string why = options.pattern.Unfit(w.shape()); !why.empty()) {
      p.skipped_.push_back(node->name + ": " + why);
      continue;
    }
    PrunedLayer layer;
    if (options.pattern.kind == SparsityPattern::Kind::kChannel) {
      StatusOr<ChannelCarriers> carriers = FindChannelCarriers(graph, *node);
      if (!carriers.ok()) {
        p.skipped_.push_back(node->name + ": " + carriers.status().message());
        continue;
      }
      layer.carriers = std::move(*carriers);
    }
    layer.node = node->name;
    layer.param = param;
    const auto own = options.layer_targets.find(node->name);
    layer.target = options.pattern.FixedSparsity() ? 1.0 - static_cast<double>(options.pattern.n) / options.pattern.m
                   : own != options.layer_targets.end() ? own->second
                                                         : options.schedule.final_sparsity;
    layer.mask.assign(static_cast<size_t>(w.size()), 1);
    if (options.keep_zeros || step > options.schedule.begin_step) {  // the pruned weights are the zeros
      for (int64_t e = 0; e < w.size(); ++e) layer.mask[e] = w[e] != 0.0f;
      if (options.pattern.kind == SparsityPattern::Kind::kChannel) {  // whole zero rows only: a row
        const int64_t per = w.size() / w.shape()[0];                   // also has zeros where it read
        for (int64_t c = 0; c < w.shape()[0]; ++c) {                   // a pruned input channel
          const bool kept = std::any_of(layer.mask.begin() + c * per, layer.mask.begin() + (c + 1) * per,
                                        [](uint8_t m) { return m != 0; });
          std::fill(layer.mask.begin() + c * per, layer.mask.begin() + (c + 1) * per, kept ? 1 : 0);
        }
      }
    }
    p.layers_.push_back(std::move(layer));
  }
  if (p.layers_.empty()) return InvalidArgument("no Conv2D or Dense weights to prune");
  return p;
}

void Pruner::BeforeStep(int64_t step, Graph& graph) {
  if (!options_.keep_zeros && options_.schedule.UpdatesAt(step)) {
    const PruningSchedule& s = options_.schedule;
    // The schedule's fraction of its final sparsity, applied to each layer's own target.
    const double progress = s.final_sparsity > 0 ? s.SparsityAt(step) / s.final_sparsity : 1.0;
    for (PrunedLayer& layer : layers_) {
      const double target = options_.pattern.FixedSparsity() ? layer.target : layer.target * progress;
      layer.mask = MagnitudeMask(graph.params()[layer.param].tensor, options_.pattern, target);
    }
  }
  Apply(graph);
}

void Pruner::AfterStep(Graph& graph) const { Apply(graph); }

void Pruner::Apply(Graph& graph) const {
  for (const PrunedLayer& layer : layers_) {
    float* w = graph.params()[layer.param].tensor.data();
    const uint8_t* mask = layer.mask.data();
    const int64_t n = static_cast<int64_t>(layer.mask.size());
    for (int64_t e = 0; e < n; ++e) w[e] = mask[e] ? w[e] : 0.0f;
    if (options_.pattern.kind != SparsityPattern::Kind::kChannel) continue;
    const int64_t channels = graph.params()[layer.param].tensor.shape()[0], per = n / channels;
    for (int64_t c = 0; c < channels; ++c)
      if (!mask[c * per]) ZeroChannel(layer.carriers, channels, c, graph);  // channel masks are whole
  }
}

SparsityReport MeasureSparsity(const Graph& graph) {
  SparsityReport r;
  for (const auto& [node, param] : SelectWeightedNodes(graph)) {
    const Tensor& w = graph.params()[param].tensor;
    const double s = Sparsity(w);
    r.layers.emplace_back(node->name, s);
    r.weights += w.size();
    r.zeros += static_cast<int64_t>(s * static_cast<double>(w.size()) + 0.5);
  }
  r.overall = r.weights > 0 ? static_cast<double>(r.zeros) / static_cast<double>(r.weights) : 0.0;
  return r;
}

}  // namespace qforge::sparsity
