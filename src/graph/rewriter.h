// The one walk behind every pass that turns a graph into another form: GraphWalk visits the
// source graph's nodes in order, keeps the map from its values to what they became and who
// reads each value (so a pass can match a pattern — a node and the sole reader of its output —
// and replace it whole, marking the readers it consumed); GraphRewriter adds a target Graph
// with the copy and clone steps a graph-to-graph pass takes. Lowering to deploy layers walks;
// the QAT transform and the QAT stripper rewrite.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "graph/graph.h"

namespace qforge {

class GraphWalk {
 public:
  explicit GraphWalk(const Graph& source);
  virtual ~GraphWalk() = default;

  const Graph& source() const { return source_; }

  // What source value v became (-1: nothing yet); all of them.
  int mapped(int v) const { return map_[v]; }
  const std::vector<int>& value_map() const { return map_; }
  void Map(int v, int to) { map_[v] = to; }
  std::vector<int> MappedInputs(const Node& n) const;

  // The nodes reading source value v, in graph order, then -1 if v is a graph output.
  const std::vector<int>& readers(int v) const { return readers_[v]; }
  bool IsGraphOutput(int v) const;
  // The node reading v when it is v's only reader (v not a graph output) and its type is one of
  // `types`, else -1: the second half of a pattern such as conv -> batch norm.
  int SoleReader(int v, std::initializer_list<std::string_view> types) const;

  // A node a pattern has already consumed: the walk passes over it.
  void MarkDone(int node) { done_[node] = true; }

  // Calls `visit` on each node not yet done, in order.
  Status Walk(const std::function<Status(const Node&)>& visit);

 private:
  const Graph& source_;
  std::vector<int> map_;
  std::vector<std::vector<int>> readers_;
  std::vector<bool> done_;
};

class GraphRewriter : public GraphWalk {
 public:
  using GraphWalk::GraphWalk;

  Graph& target() { return target_; }
  const Graph& target() const { return target_; }

  // Copies every parameter and input into the target, mapping their values.
  Status CopyParamsAndInputs();
  // Adds a node to the target.
  StatusOr<int> Add(const std::string& name, StatusOr<std::unique_ptr<Op>> op, const std::vector<int>& inputs);
  // A copy of source node n (same type and attributes) reading `inputs` (target values); maps
  // n's output to it.
  StatusOr<int> Clone(const Node& n, const std::vector<int>& inputs);
  // ... reading what n's inputs became.
  StatusOr<int> Clone(const Node& n) { return Clone(n, MappedInputs(n)); }
  // Sets the target's outputs to what the source's became and hands the target over.
  StatusOr<Graph> Finish();

 private:
  Graph target_;
};

}  // namespace qforge
