// `qforge train --cluster K [--cluster-init linear|random|density|kmeans++ --cluster-layer
// NODE=K --cluster-skip NODE --cluster-per-channel]`: weight sharing while training (cluster::Clusterer), zeros of a
// pruned model preserved. The options are stored in the run for --resume (the shared values
// come back from the checkpoint's weights).
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cluster/clusterer.h"
#include "train/checkpoint.h"
#include "train/trainer.h"
#include "workflow/weight_hooks.h"

namespace qforge::cli {

struct ClusterFlags {
  int k = 0;  // 0: no clustering (unless a resumed run was clustering)
  std::string init = "linear";
  std::vector<std::string> layers, skip;  // "NODE=K", "NODE"
  bool per_channel = false;

  void Register(CLI::App& cmd);
  // What the flags alone can tell: a bad initialization or NODE=K entry, flags without --cluster.
  Status Check() const;
  // The clustering options for this run, or none; recorded in run.meta.train_state["clustering"].
  StatusOr<std::unique_ptr<cluster::ClusterOptions>> Resolve(Checkpoint& run, bool resuming, uint64_t seed) const;

 private:
  StatusOr<nlohmann::json> LayerCounts() const;  // --cluster-layer entries, validated
};

}  // namespace qforge::cli
