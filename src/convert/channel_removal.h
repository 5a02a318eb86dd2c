// Removing dead channels from a DeployGraph — what makes channel pruning pay off: a channel
// whose producer computes exactly zero (all its weights and its folded bias zero, as channel
// pruning leaves them) is deleted from the producer (filter, bias), from every layer it passes
// through unchanged (pooling, mean, hard-swish, flatten, a depthwise convolution whose channel
// is dead too) and from the input of each convolution or dense layer reading it, so the model
// is smaller and does less work and computes exactly what it computed before. Channels that
// reach an Add, a concatenation, a softmax or the model output are kept.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "convert/deploy_graph.h"

namespace qforge::convert {

struct ChannelRemoval {
  int removed = 0;  // output channels deleted from convolution, depthwise and dense layers
  // Layers whose outputs shrank: the original indices of the channels they kept.
  std::map<std::string, std::vector<int>> kept;
};

ChannelRemoval RemoveDeadChannels(DeployGraph* graph);

}  // namespace qforge::convert
