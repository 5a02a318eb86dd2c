// Shared by the training extensions of `qforge train` (pruning, clustering): chaining their
// per-step hooks, and parsing per-node "NODE=VALUE" flags.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "train/trainer.h"

namespace qforge::cli {

using StepHook = std::function<void(int64_t step, Graph& graph)>;

// Runs `before` and `after` around every training step, after the hooks already there.
void AppendStepHooks(TrainOptions& train, StepHook before, StepHook after);

// {"NODE": VALUE, ...} from "NODE=VALUE" entries of `flag`; a value must satisfy `valid`
// (`what` describes the valid ones for the error message).
StatusOr<nlohmann::json> ParseNodeValues(const std::vector<std::string>& entries, const std::string& flag,
                                         const std::string& what, const std::function<bool(double)>& valid);

}  // namespace qforge::cli
