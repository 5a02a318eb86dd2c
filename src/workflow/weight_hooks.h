// Weight pruning and weight sharing for training runs: their options as runs store them; the
// hooks that run the pruner or clusterer before and after every training step (TrainOptions'
// hooks, chained after those already there); reports of what they left in the weights. Shared by `qforge train` and the Python package.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "cluster/clusterer.h"
#include "sparsity/pruner.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

namespace qforge {

// Pruning options in the form runs store them (train_state["pruning"]): {"sparsity", "schedule"
// (poly | const), "pattern", "begin", "end", "frequency", "layers": {node: sparsity}, "skip":
// [node]}, or {"keep_sparsity": true, "skip": [...]}. Checked, as the pruner checks them.
StatusOr<sparsity::PruneOptions> PruneOptionsFromJson(const nlohmann::json& stored);
// A pruning schedule's end step: `end` when given (>= 0), else two thirds of a run of
// `total_steps` steps, and never before begin + 1.
int64_t PruneEndStep(int64_t begin, int64_t end, int64_t total_steps);

// Clustering options as stored (train_state["clustering"]): {"k", "init", "layers": {node: k},
// "skip": [node], "per_channel"}; `seed` draws random initializations.
StatusOr<cluster::ClusterOptions> ClusterOptionsFromJson(const nlohmann::json& stored, uint64_t seed);

using StepHook = std::function<void(int64_t step, Graph& graph)>;

// Runs `before` and `after` around every training step, after the hooks already there.
void AppendStepHooks(TrainOptions& train, StepHook before, StepHook after);

// Adds a pruner of the run's weights to the training hooks; `start_step` is the step training
// resumes at (masks past the schedule's begin come back from the weights' zeros).
StatusOr<std::shared_ptr<sparsity::Pruner>> AttachPruner(const sparsity::PruneOptions& options, Checkpoint& run,
                                                         int64_t start_step, TrainOptions& train);

// Clusters the run's weights now and adds the clusterer to the training hooks.
StatusOr<std::shared_ptr<cluster::Clusterer>> AttachClusterer(const cluster::ClusterOptions& options, Checkpoint& run,
                                                              TrainOptions& train);

// {"sparsity": overall, "pruned_layers": {node: sparsity, ...}} of the run's Conv2D/Dense weights.
nlohmann::json SparsityJson(const Graph& graph);

// {"clusters": {node: distinct nonzero values of the tensor, ...}} of the clustered tensors.
nlohmann::json ClusterJson(const cluster::Clusterer& clusterer, const Graph& graph);

}  // namespace qforge
