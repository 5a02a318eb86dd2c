// LogitsValue: walks back from the output through nodes that pass their input through (output
// fake quantization) to a Softmax.
#include "train/logits.h"

#include "ops/softmax.h"

namespace qforge {

int LogitsValue(const Graph& graph) {
  const int out = graph.outputs()[0];
  int v = out;
  while (graph.values()[v].kind == ValueKind::kNode) {
    const Node& n = graph.nodes()[graph.values()[v].index];
    if (n.op->type() == SoftmaxOp::kType) return n.inputs[0];
    if (!n.op->PassesThrough() || n.inputs.empty()) break;
    v = n.inputs[0];
  }
  return out;
}

}  // namespace qforge
