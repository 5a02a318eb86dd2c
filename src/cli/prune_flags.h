// `qforge train --prune SPARSITY [--prune-schedule poly|const --prune-pattern P --prune-begin
// STEP --prune-end STEP --prune-frequency N --prune-layer NODE=S --prune-skip NODE]` and
// `--keep-sparsity` (fine-tuning a pruned model, e.g. with --qat, keeping its zeros): the
// flags, their validation, and the training hooks that run the pruner. The resolved options
// are stored in the run, so --resume continues the same schedule (masks come back from the
// checkpoint's zeros).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sparsity/pruner.h"
#include "train/checkpoint.h"
#include "train/trainer.h"
#include "workflow/weight_hooks.h"

namespace qforge::cli {

struct PruneFlags {
  double sparsity = -1;  // < 0: no pruning (unless a resumed run was pruning)
  std::string schedule = "poly", pattern = "unstructured";
  int64_t begin = 0, end = -1, frequency = 100;  // end -1: two thirds of the run
  std::vector<std::string> layers, skip;         // "NODE=S", "NODE"
  bool keep_sparsity = false;                    // keep the zeros the weights have, no schedule

  void Register(CLI::App& cmd);
  // What the flags alone can tell: conflicting flags, a bad pattern, schedule or NODE=S entry.
  Status Check() const;
  // The pruning options for this run (none if neither the flags nor a resumed run ask for
  // pruning), recorded in run.meta.train_state["pruning"]. total_steps: the whole run's steps.
  StatusOr<std::unique_ptr<sparsity::PruneOptions>> Resolve(Checkpoint& run, int64_t total_steps,
                                                             bool resuming) const;

 private:
  StatusOr<nlohmann::json> LayerTargets() const;  // --prune-layer entries, validated
};

}  // namespace qforge::cli
