// Per-node flag values ("NODE=VALUE", e.g. --prune-layer conv2=0.5), shared by the pruning
// and clustering flags of `qforge train`.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"

namespace qforge::cli {

// {"NODE": VALUE, ...} from "NODE=VALUE" entries of `flag`; a value must satisfy `valid`
// (`what` describes the valid ones for the error message).
StatusOr<nlohmann::json> ParseNodeValues(const std::vector<std::string>& entries, const std::string& flag,
                                         const std::string& what, const std::function<bool(double)>& valid);

}  // namespace qforge::cli
