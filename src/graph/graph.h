// Graph: the training IR. Values are graph inputs, parameters (weights and state such as BN
// running statistics) or node outputs; nodes apply one Op to values. Nodes are kept in
// insertion order, which is a topological order because a node may only use existing values.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ops/op.h"

namespace qforge {

enum class ValueKind { kInput, kParam, kNode };

struct Value {
  std::string name;
  ValueKind kind;
  Shape shape;     // batch dimension -1 for inputs and node outputs
  int index = -1;  // into inputs(), params() or nodes(), by kind
};

struct Param {
  std::string name;
  Tensor tensor;
  bool trainable = true;
  int value = -1;
};

struct Node {
  std::string name;
  std::unique_ptr<Op> op;
  std::vector<int> inputs;  // value ids
  int output = -1;          // value id
};

class Graph {
 public:
  Graph() = default;
  Graph(Graph&&) = default;
  Graph& operator=(Graph&&) = default;

  // `shape` excludes the batch dimension.
  StatusOr<int> AddInput(const std::string& name, const Shape& shape);
  StatusOr<int> AddParam(const std::string& name, Tensor tensor, bool trainable);
  // Infers the output shape; fails with a message naming the node on a mismatch.
  StatusOr<int> AddNode(const std::string& name, std::unique_ptr<Op> op,
                        const std::vector<int>& inputs);
  Status SetOutputs(const std::vector<int>& outputs);

  const std::vector<Value>& values() const { return values_; }
  const std::vector<int>& inputs() const { return inputs_; }
  const std::vector<int>& outputs() const { return outputs_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  std::vector<Node>& nodes() { return nodes_; }
  const std::vector<Param>& params() const { return params_; }
  std::vector<Param>& params() { return params_; }
  int FindValue(const std::string& name) const;  // -1 if absent
  int64_t NumTrainableWeights() const;

  // Structure (inputs, params with shapes, nodes with op attributes, outputs) as JSON; the
  // parameter tensors are stored separately by the checkpoint.
  nlohmann::json ToJson() const;
  // Rebuilds a graph from ToJson() output (params zero-filled), re-running every check.
  // Fails before allocating if the parameters would exceed max_param_elements floats (a
  // file's payload bounds what it can describe honestly).
  static StatusOr<Graph> FromJson(const nlohmann::json& j,
                                  int64_t max_param_elements = int64_t{1} << 34);

  // A human-readable summary table.
  std::string Summary() const;

 private:
  StatusOr<int> NewValue(const std::string& name, ValueKind kind, Shape shape, int index);

  std::vector<Value> values_;
  std::vector<int> inputs_, outputs_;
  std::vector<Node> nodes_;
  std::vector<Param> params_;
};

// The parameter holding a Conv2D or Dense node's weights — followed back through nodes whose op
// PassesThrough (those quantization-aware training puts in between) — or -1 for other nodes.
int WeightParamOf(const Graph& graph, const Node& node);

// A Conv2D or Dense node and the parameter holding its weights.
struct WeightedNode {
  const Node* node = nullptr;
  int param = -1;
};

// The weighted nodes a compression pass (pruning, clustering) works on, in graph order: all but
// those named in `skip`, and tensors under `min_elements` weights, which are listed in
// `left_out` (if given) as "node: N weights, fewer than M".
std::vector<WeightedNode> SelectWeightedNodes(const Graph& graph, const std::vector<std::string>& skip = {},
                                              int64_t min_elements = 0, std::vector<std::string>* left_out = nullptr);

// True if `name` is a Conv2D or Dense node with weights.
bool IsWeightedNode(const Graph& graph, const std::string& name);

}  // namespace qforge
