// Lowering a trained float graph (NCHW, training ops) to a DeployGraph (NHWC, fused layers).
// Fails with an error naming the node for anything the runtime cannot run: grouped
// convolutions other than depthwise, activations with nothing to fuse into, Sigmoid, reshapes
// other than flattening.
#pragma once

#include "convert/deploy_graph.h"
#include "graph/graph.h"

namespace qforge::convert {

StatusOr<DeployGraph> Lower(const Graph& graph);

}  // namespace qforge::convert
