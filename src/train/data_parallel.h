// Keeping the replicas of a data-parallel job identical: the model broadcast from rank 0 at the
// start, and a check that every rank still holds the same weights, training state and
// optimizer state (before a checkpoint is written), which fails loudly instead of letting
// replicas drift apart.
#pragma once

#include <map>
#include <string>

#include "distributed/communicator.h"
#include "graph/graph.h"

namespace qforge {

// Rank 0's parameters (weights and tracked state such as batch-norm statistics and observed
// ranges) and optimizer state to every rank. An error, on every rank, when the ranks hold
// different models (parameter names or shapes) or optimizer states.
Status BroadcastModel(Graph& graph, std::map<std::string, Tensor>& optimizer_state, distributed::Communicator& comm);

// An error, on every rank, unless all ranks hold bit-identical parameters and optimizer state.
Status CheckReplicasAgree(const Graph& graph, const std::map<std::string, Tensor>& optimizer_state,
                          distributed::Communicator& comm);

}  // namespace qforge
