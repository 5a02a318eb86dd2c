// Graph construction, validation and (de)serialization of its structure.
#include "graph/graph.h"

#include <algorithm>

#include <fmt/format.h>

#include "ops/conv2d.h"
#include "ops/dense.h"

namespace qforge {

StatusOr<int> Graph::NewValue(const std::string& name, ValueKind kind, Shape shape, int index) {
  if (name.empty()) return InvalidArgument("graph names must not be empty");
  if (FindValue(name) >= 0) return InvalidArgument("duplicate name '{}' in graph", name);
  values_.push_back({name, kind, std::move(shape), index});
  return static_cast<int>(values_.size()) - 1;
}

StatusOr<int> Graph::AddInput(const std::string& name, const Shape& shape) {
  for (int64_t d : shape)
    if (d <= 0) return InvalidArgument("input '{}' has a non-positive dimension", name);
  Shape full{-1};
  full.insert(full.end(), shape.begin(), shape.end());
  QF_ASSIGN_OR_RETURN(int id, NewValue(name, ValueKind::kInput, full, static_cast<int>(inputs_.size())));
  inputs_.push_back(id);
  return id;
}

StatusOr<int> Graph::AddParam(const std::string& name, Tensor tensor, bool trainable) {
  const Shape shape = tensor.shape();
  QF_ASSIGN_OR_RETURN(int id, NewValue(name, ValueKind::kParam, shape, static_cast<int>(params_.size())));
  params_.push_back({name, std::move(tensor), trainable, id});
  return id;
}

StatusOr<int> Graph::AddNode(const std::string& name, std::unique_ptr<Op> op,
                             const std::vector<int>& inputs) {
  std::vector<Shape> shapes;
  for (int v : inputs) {
    if (v < 0 || v >= static_cast<int>(values_.size()))
      return InvalidArgument("node '{}' uses value #{} which does not exist", name, v);
    shapes.push_back(values_[v].shape);
  }
  auto shape = op->InferShape(shapes);
  if (!shape.ok())
    return InvalidArgument("node '{}' ({}): {}", name, op->type(), shape.status().message());
  QF_ASSIGN_OR_RETURN(int id, NewValue(name, ValueKind::kNode, *shape, static_cast<int>(nodes_.size())));
  nodes_.push_back({name, std::move(op), inputs, id});
  return id;
}

Status Graph::SetOutputs(const std::vector<int>& outputs) {
  if (outputs.empty()) return InvalidArgument("a graph needs at least one output");
  for (int v : outputs)
    if (v < 0 || v >= static_cast<int>(values_.size()) || values_[v].kind != ValueKind::kNode)
      return InvalidArgument("graph output #{} is not a node output", v);
  outputs_ = outputs;
  return Status::Ok();
}

int Graph::FindValue(const std::string& name) const {
  for (size_t i = 0; i < values_.size(); ++i)
    if (values_[i].name == name) return static_cast<int>(i);
  return -1;
}

int64_t Graph::NumTrainableWeights() const {
  int64_t n = 0;
  for (const Param& p : params_)
    if (p.trainable) n += p.tensor.size();
  return n;
}

nlohmann::json Graph::ToJson() const {
  nlohmann::json j;
  j["inputs"] = nlohmann::json::array();
  for (int v : inputs_) {
    Shape s(values_[v].shape.begin() + 1, values_[v].shape.end());
    j["inputs"].push_back({{"name", values_[v].name}, {"shape", s}});
  }
  j["params"] = nlohmann::json::array();
  for (const Param& p : params_)
    j["params"].push_back({{"name", p.name}, {"shape", p.tensor.shape()}, {"trainable", p.trainable}});
  j["nodes"] = nlohmann::json::array();
  for (const Node& n : nodes_) {
    nlohmann::json in = nlohmann::json::array();
    for (int v : n.inputs) in.push_back(values_[v].name);
    j["nodes"].push_back({{"name", n.name}, {"type", n.op->type()}, {"attrs", n.op->attrs()}, {"inputs", in}});
  }
  j["outputs"] = nlohmann::json::array();
  for (int v : outputs_) j["outputs"].push_back(values_[v].name);
  return j;
}

StatusOr<Graph> Graph::FromJson(const nlohmann::json& j, int64_t max_param_elements) {
  Graph g;
  int64_t param_elements = 0;
  try {
    for (const auto& in : j.at("inputs")) {
      QF_RETURN_IF_ERROR(g.AddInput(in.at("name").get<std::string>(), in.at("shape").get<Shape>()).status());
    }
    for (const auto& p : j.at("params")) {
      const Shape shape = p.at("shape").get<Shape>();
      for (int64_t d : shape)
        if (d < 0 || d > (int64_t{1} << 31)) return InvalidArgument("param has a bad dimension");
      if (NumElements(shape) > (int64_t{1} << 31)) return InvalidArgument("param is too large");
      param_elements += NumElements(shape);
      if (param_elements > max_param_elements)
        return InvalidArgument("parameters need more data than the file holds");
      QF_RETURN_IF_ERROR(g.AddParam(p.at("name").get<std::string>(), Tensor(shape),
                                    p.at("trainable").get<bool>()).status());
    }
    for (const auto& n : j.at("nodes")) {
      const std::string name = n.at("name").get<std::string>();
      auto op = CreateOp(n.at("type").get<std::string>(), n.at("attrs"));
      if (!op.ok()) return InvalidArgument("node '{}': {}", name, op.status().message());
      std::vector<int> inputs;
      for (const auto& in : n.at("inputs")) {
        const int v = g.FindValue(in.get<std::string>());
        if (v < 0) return InvalidArgument("node '{}' uses unknown value '{}'", name, in.get<std::string>());
        inputs.push_back(v);
      }
      QF_RETURN_IF_ERROR(g.AddNode(name, std::move(op).value(), inputs).status());
    }
    std::vector<int> outputs;
    for (const auto& o : j.at("outputs")) {
      const int v = g.FindValue(o.get<std::string>());
      if (v < 0) return InvalidArgument("unknown graph output '{}'", o.get<std::string>());
      outputs.push_back(v);
    }
    QF_RETURN_IF_ERROR(g.SetOutputs(outputs));
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument("malformed graph description: {}", e.what());
  }
  return g;
}

std::string Graph::Summary() const {
  std::string s = fmt::format("{:<16} {:<14} {:<20} {}\n", "node", "op", "output", "params");
  for (const Node& n : nodes_) {
    int64_t params = 0;
    for (int v : n.inputs)
      if (values_[v].kind == ValueKind::kParam && params_[values_[v].index].trainable)
        params += params_[values_[v].index].tensor.size();
    s += fmt::format("{:<16} {:<14} {:<20} {}\n", n.name, n.op->type(),
                     ShapeToString(values_[n.output].shape), params);
  }
  s += fmt::format("trainable weights: {}\n", NumTrainableWeights());
  return s;
}

int WeightParamOf(const Graph& graph, const Node& node) {
  if ((node.op->type() != Conv2DOp::kType && node.op->type() != DenseOp::kType) || node.inputs.size() < 2) return -1;
  int v = node.inputs[1];
  while (graph.values()[v].kind == ValueKind::kNode) {
    const Node& producer = graph.nodes()[graph.values()[v].index];
    if (!producer.op->PassesThrough() || producer.inputs.empty()) return -1;
    v = producer.inputs[0];
  }
  const Value& value = graph.values()[v];
  return value.kind == ValueKind::kParam ? value.index : -1;
}

std::vector<WeightedNode> SelectWeightedNodes(const Graph& graph, const std::vector<std::string>& skip,
                                              int64_t min_elements, std::vector<std::string>* left_out) {
  std::vector<WeightedNode> selected;
  for (const Node& n : graph.nodes()) {
    const int param = WeightParamOf(graph, n);
    if (param < 0 || std::find(skip.begin(), skip.end(), n.name) != skip.end()) continue;
    const int64_t size = graph.params()[param].tensor.size();
    if (size < min_elements) {
      if (left_out)
        left_out->push_back(n.name + ": " + std::to_string(size) + " weights, fewer than " + std::to_string(min_elements));
      continue;
    }
    selected.push_back({&n, param});
  }
  return selected;
}

bool IsWeightedNode(const Graph& graph, const std::string& name) {
  return std::any_of(graph.nodes().begin(), graph.nodes().end(),
                     [&](const Node& n) { return n.name == name && WeightParamOf(graph, n) >= 0; });
}

}  // namespace qforge
