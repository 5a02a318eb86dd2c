// Channel pruning's bookkeeping on the training graph: for a Conv2D or Dense node, the other
// parameters that hold its output channels on their way to the next convolution or dense
// layer — its bias, the batch norms' scale and shift, a depthwise convolution's filter and
// bias, all with the channel on axis 0 — and the weights of the layers that read them, where
// the channel is a slice of each row. Zeroing a pruned channel in the first makes it exactly
// zero everywhere (batch norm gives beta = 0 for a zero input, ReLU/ReLU6/hard-swish keep 0),
// which lets the converter delete it (convert/channel_removal.h); zeroing it in the readers
// drops weights that only ever multiply that zero, so the model with the channel and the
// model without it quantize alike. Channels that reach an Add, a concatenation or the model
// output cannot be pruned, nor those of depthwise convolutions (they follow their input's).
// C++20.
#pragma once

#include <vector>

#include "graph/graph.h"

namespace qforge::sparsity {

struct ChannelCarriers {
  std::vector<int> along_axis0;  // parameters [channels, ...]
  std::vector<int> readers;      // weights [out, channels * inner] reading the channels
};

// The parameters carrying `node`'s output channels, or why they cannot be removed.
StatusOr<ChannelCarriers> FindChannelCarriers(const Graph& graph, const Node& node);

// Sets channel `c` of `channels` to zero in every carrier.
void ZeroChannel(const ChannelCarriers& carriers, int64_t channels, int64_t c, Graph& graph);

}  // namespace qforge::sparsity
