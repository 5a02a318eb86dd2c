// Following a node's output channels through batch norms, activations, pooling and depthwise
// convolutions to the layers that read them.
#include "sparsity/channel_group.h"

#include <algorithm>
#include <deque>
#include <string_view>

#include "graph/rewriter.h"
#include "ops/batch_norm.h"
#include "ops/conv2d.h"
#include "ops/dense.h"
#include "ops/tensor_ops.h"

namespace qforge::sparsity {
namespace {

int ParamAt(const Graph& g, const Node& n, size_t input) {
  if (input >= n.inputs.size()) return -1;
  const Value& v = g.values()[n.inputs[input]];
  return v.kind == ValueKind::kParam ? v.index : -1;
}

// The node passes channels on one to one, zeros staying zeros; or flattens them for a Dense.
bool KeepsChannels(const Op& op) { return op.KeepsZeroChannels() || op.type() == ReshapeOp::kFlattenType; }

}  // namespace

StatusOr<ChannelCarriers> FindChannelCarriers(const Graph& g, const Node& node) {
  if (node.op->type() == Conv2DOp::kType && static_cast<const Conv2DOp&>(*node.op).groups() > 1)
    return InvalidArgument("a depthwise or grouped convolution's channels follow its input's");
  const GraphWalk walk(g);  // each value's readers
  ChannelCarriers carriers;
  std::vector<int>& companions = carriers.along_axis0;
  if (const int bias = ParamAt(g, node, 2); bias >= 0) companions.push_back(bias);
  std::deque<int> carrying{node.output};  // values that hold the channels
  while (!carrying.empty()) {
    const int v = carrying.front();
    carrying.pop_front();
    if (walk.IsGraphOutput(v)) return InvalidArgument("its channels are the model's output");
    for (const int reader : walk.readers(v)) {
      const Node* n = &g.nodes()[reader];
      const std::string_view type = n->op->type();
      if (type == DenseOp::kType) {  // reads the channels: the converter drops its inputs
        carriers.readers.push_back(WeightParamOf(g, *n));
        continue;
      }
      if (type == Conv2DOp::kType) {
        const auto& conv = static_cast<const Conv2DOp&>(*n->op);
        const int w = WeightParamOf(g, *n);
        if (conv.groups() == 1) {
          carriers.readers.push_back(w);
          continue;
        }
        const bool depthwise = w >= 0 && conv.groups() == g.params()[w].tensor.shape()[0] &&
                               g.params()[w].tensor.shape()[1] == 1;
        if (!depthwise) return InvalidArgument("its channels reach the grouped convolution '{}'", n->name);
        companions.push_back(w);
        if (const int bias = ParamAt(g, *n, 2); bias >= 0) companions.push_back(bias);
        carrying.push_back(n->output);
      } else if (type == BatchNormOp::kType) {
        for (size_t i : {1, 2})  // gamma, beta
          if (const int p = ParamAt(g, *n, i); p >= 0) companions.push_back(p);
        carrying.push_back(n->output);
      } else if (KeepsChannels(*n->op)) {
        carrying.push_back(n->output);
      } else {
        return InvalidArgument("its channels reach the {} node '{}'", type, n->name);
      }
    }
  }
  const int64_t channels = g.params()[WeightParamOf(g, node)].tensor.shape()[0];
  for (int p : companions)
    if (g.params()[p].tensor.shape().empty() || g.params()[p].tensor.shape()[0] != channels)
      return InvalidArgument("its channels reach '{}' with another channel count", g.params()[p].name);
  for (int p : carriers.readers) {
    if (p < 0) return InvalidArgument("a layer reading its channels has no weight parameter");
    const Tensor& w = g.params()[p].tensor;
    if (w.shape().size() < 2 || (w.size() / w.shape()[0]) % channels != 0)
      return InvalidArgument("a layer reading its channels has weights of another shape");
  }
  return carriers;
}

void ZeroChannel(const ChannelCarriers& carriers, int64_t channels, int64_t c, Graph& graph) {
  for (int p : carriers.along_axis0) {
    Tensor& t = graph.params()[p].tensor;
    const int64_t block = t.size() / channels;
    std::fill(t.data() + c * block, t.data() + (c + 1) * block, 0.0f);
  }
  for (int p : carriers.readers) {
    Tensor& t = graph.params()[p].tensor;
    const int64_t rows = t.shape()[0], row = t.size() / rows, inner = row / channels;
    for (int64_t o = 0; o < rows; ++o) std::fill(t.data() + o * row + c * inner, t.data() + o * row + (c + 1) * inner, 0.0f);
  }
}

}  // namespace qforge::sparsity
