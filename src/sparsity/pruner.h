// Magnitude pruning during training: the weights of Conv2D and Dense nodes (one mask each)
// follow a PruningSchedule — at each update step the mask of every pruned tensor is recomputed
// for the schedule's target (or the node's own target), and before and after every training
// step the masked weights are set to zero, so the forward pass sees the pruned model and the
// optimizer's update never revives a pruned weight. With the channel pattern a pruned filter's
// bias, batch-norm scale and shift, depthwise filter and the next layers' weights reading it
// are zeroed too, so the converter can remove it. Driven by the training step through
// TrainOptions' before_step / after_step hooks (PruneHooks); nothing for the user to call.
// C++20.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "sparsity/channel_group.h"
#include "sparsity/mask.h"
#include "sparsity/schedule.h"

namespace qforge::sparsity {

struct PruneOptions {
  PruningSchedule schedule;
  SparsityPattern pattern;
  // Per node: a final sparsity replacing the schedule's (the schedule's shape scaled to it).
  std::map<std::string, double> layer_targets;
  // Nodes left dense. Layers whose shape cannot take the pattern (e.g. 2:4 on a first layer
  // with one input channel) are left dense too and listed by Pruner::skipped().
  std::vector<std::string> skip;
  int64_t min_elements = 256;  // smaller weight tensors (e.g. a 10-class head's) stay dense
  // Keep the zeros the weights have now, and only those (masks from the zeros, never updated;
  // the schedule is not used): fine-tuning a pruned model — e.g. quantization-aware training
  // that preserves its sparsity — without reviving pruned weights.
  bool keep_zeros = false;
};

struct PrunedLayer {
  std::string node;
  int param = -1;  // index into graph.params()
  double target = 0;
  std::vector<uint8_t> mask;
  // Channel pruning: the parameters that carry the node's output channels (channel_group.h),
  // zeroed for each pruned channel with the filter.
  ChannelCarriers carriers;
};

class Pruner {
 public:
  // Chooses the weights to prune. `step` is the training step training resumes at: past the
  // schedule's begin, masks are rebuilt from the weights' zeros (pruned weights are stored as
  // exact zeros), so a resumed run continues with the same masks.
  static StatusOr<Pruner> Create(const Graph& graph, const PruneOptions& options, int64_t step);

  // Before a training step: recompute masks at update steps, then zero the masked weights.
  void BeforeStep(int64_t step, Graph& graph);
  // After the step's optimizer update: zero the masked weights again.
  void AfterStep(Graph& graph) const;

  const std::vector<PrunedLayer>& layers() const { return layers_; }
  const std::vector<std::string>& skipped() const { return skipped_; }  // "node: why"
  const PruneOptions& options() const { return options_; }

 private:
  void Apply(Graph& graph) const;
  PruneOptions options_;
  std::vector<PrunedLayer> layers_;
  std::vector<std::string> skipped_;
};

// Sparsity of the graph's Conv2D and Dense weights: per node and over all of them.
struct SparsityReport {
  std::vector<std::pair<std::string, double>> layers;
  double overall = 0;
  int64_t weights = 0, zeros = 0;
};
SparsityReport MeasureSparsity(const Graph& graph);

}  // namespace qforge::sparsity
