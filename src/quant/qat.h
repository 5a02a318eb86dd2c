// QuantizeModel: turns a float training graph into a quantization-aware one. Weights of
// convolutions and dense layers pass through weight fake quantization; each fused unit —
// Conv/Depthwise/Dense [+ BatchNorm] [+ ReLU/ReLU6], Add [+ ReLU], the runtime's element-wise
// operators (HardSwish; convert::LowersToElementwiseOp) and global
// average pooling — gets one activation fake quantization on its output (none in between);
// max/average pooling, flatten and dropout keep their input's grid; a concatenation's inputs
// share its output's one grid (they are not quantized on their own); a Softmax's
// probabilities get the runtime's fixed grid (1/256, -128 in int8). With batch-norm folding a
// convolution followed by batch norm becomes
//   s = gamma / sqrt(running_var + eps);  y = conv(x, fakequant(w * s)) / s;  BatchNorm(y)
// so the quantizer sees exactly the folded weights that get deployed while batch statistics
// keep training (per channel or per tensor, following the weight quantizer's spec). The
// division by s is the batch norm's input scale (ops/batch_norm.h), not a pass of its own.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "quant/scheme.h"

namespace qforge::quant {

struct QatOptions {
  Scheme scheme;
  std::map<std::string, QuantizeConfig> node_configs;  // by node name
  bool keep_unsupported_float = false;  // unsupported nodes stay float (listed) instead of failing

  // Per-layer control: overrides the scheme at one node.
  void Annotate(const std::string& node, QuantizeConfig config) { node_configs[node] = std::move(config); }
};

struct QatModel {
  Graph graph;
  std::vector<std::string> kept_float;  // nodes left without fake quantization
};

// The float graph's parameters are copied (so a trained float model is the starting point).
StatusOr<QatModel> QuantizeModel(const Graph& float_graph, const QatOptions& options);

// Late in QAT: batch norms switch to their running statistics (what deployment folds in), and
// range trackers stop moving. Both are recorded in the ops' attributes (checkpoints keep them).
void FreezeBatchNorm(Graph& graph);
void FreezeObservers(Graph& graph);

}  // namespace qforge::quant
