// Lowering a trained float graph (NCHW, training ops) to a DeployGraph (NHWC, fused layers).
// Fails with an error naming the node for anything the runtime cannot run: ReLU/ReLU6 with
// nothing to fuse into, reshapes other than flattening and [N, C] <-> [N, C, 1, 1].
#pragma once

#include <string_view>

#include "convert/deploy_graph.h"
#include "graph/graph.h"

namespace qforge::convert {

StatusOr<DeployGraph> Lower(const Graph& graph);

// True if a training op of this type becomes an element-wise operator of the runtime (Add, Mul,
// HardSwish, HardSigmoid, Sigmoid, SiLU, Clip; its own output grid when quantized).
bool LowersToElementwiseOp(std::string_view training_type);

}  // namespace qforge::convert
