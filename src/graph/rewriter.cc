// GraphWalk and GraphRewriter.
#include "graph/rewriter.h"

#include <algorithm>

namespace qforge {

GraphWalk::GraphWalk(const Graph& source)
    : source_(source), map_(source.values().size(), -1), readers_(source.values().size()),
      done_(source.nodes().size(), false) {
  for (size_t k = 0; k < source.nodes().size(); ++k)
    for (int v : source.nodes()[k].inputs) readers_[v].push_back(static_cast<int>(k));
  for (int v : source.outputs()) readers_[v].push_back(-1);
}

std::vector<int> GraphWalk::MappedInputs(const Node& n) const {
  std::vector<int> inputs;
  for (int v : n.inputs) inputs.push_back(map_[v]);
  return inputs;
}

bool GraphWalk::IsGraphOutput(int v) const {
  return std::find(source_.outputs().begin(), source_.outputs().end(), v) != source_.outputs().end();
}

int GraphWalk::SoleReader(int v, std::initializer_list<std::string_view> types) const {
  if (readers_[v].size() != 1 || readers_[v][0] < 0) return -1;
  const int k = readers_[v][0];
  for (std::string_view type : types)
    if (source_.nodes()[k].op->type() == type) return k;
  return -1;
}

Status GraphWalk::Walk(const std::function<Status(const Node&)>& visit) {
  for (size_t k = 0; k < source_.nodes().size(); ++k)
    if (!done_[k]) QF_RETURN_IF_ERROR(visit(source_.nodes()[k]));
  return Status::Ok();
}

Status GraphRewriter::CopyParamsAndInputs() {
  for (const Param& p : source().params()) {
    QF_ASSIGN_OR_RETURN(const int v, target_.AddParam(p.name, p.tensor, p.trainable));
    Map(p.value, v);
  }
  for (int v : source().inputs()) {
    const Value& in = source().values()[v];
    QF_ASSIGN_OR_RETURN(const int copy, target_.AddInput(in.name, Shape(in.shape.begin() + 1, in.shape.end())));
    Map(v, copy);
  }
  return Status::Ok();
}

StatusOr<int> GraphRewriter::Add(const std::string& name, StatusOr<std::unique_ptr<Op>> op,
                                 const std::vector<int>& inputs) {
  QF_RETURN_IF_ERROR(op.status());
  return target_.AddNode(name, std::move(*op), inputs);
}

StatusOr<int> GraphRewriter::Clone(const Node& n, const std::vector<int>& inputs) {
  QF_ASSIGN_OR_RETURN(const int v, Add(n.name, CreateOp(n.op->type(), n.op->attrs()), inputs));
  Map(n.output, v);
  return v;
}

StatusOr<Graph> GraphRewriter::Finish() {
  std::vector<int> outputs;
  for (int v : source().outputs()) outputs.push_back(mapped(v));
  QF_RETURN_IF_ERROR(target_.SetOutputs(outputs));
  return std::move(target_);
}

}  // namespace qforge
