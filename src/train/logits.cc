// LogitsValue: walks back from the output through output fake quantization to a Softmax.
#include "train/logits.h"

namespace qforge {

int LogitsValue(const Graph& graph) {
  const int out = graph.outputs()[0];
  int v = out;
  while (graph.values()[v].kind == ValueKind::kNode) {
    const Node& n = graph.nodes()[graph.values()[v].index];
    if (n.op->type() == "Softmax") return n.inputs[0];
    if (n.op->type() != "FakeQuant") break;
    v = n.inputs[0];
  }
  return out;
}

}  // namespace qforge
