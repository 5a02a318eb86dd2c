// Parsing and structural checks of an ONNX file (see onnx_file.h).
#include "interop/onnx/onnx_file.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "data/file_bytes.h"

namespace qforge::onnx_import {

std::string NodeName(const onnx::NodeProto& node) {
  return node.name().empty() && node.output_size() > 0 ? node.output(0) : node.name();
}

std::string NodeLabel(const onnx::NodeProto& node) { return fmt::format("{} '{}'", node.op_type(), NodeName(node)); }

namespace {

bool IsDefaultDomain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

Status CheckOpset(OnnxModel& m, const std::string& what) {
  for (const auto& import : m.proto.opset_import())
    if (IsDefaultDomain(import.domain())) m.opset = static_cast<int>(import.version());
  if (m.opset == 0) return InvalidArgument("{}: the model imports no version of the default ONNX opset", what);
  if (m.opset < kMinOpset || m.opset > kMaxOpset)
    return InvalidArgument("{}: opset {} is not supported (qforge reads opsets {} to {}); re-export the model "
                           "with an opset in that range", what, m.opset, kMinOpset, kMaxOpset);
  return Status::Ok();
}

// Kahn's algorithm over the tensor names: a node is ready once every tensor it reads exists.
Status SortNodes(OnnxModel& m, const std::string& what) {
  const onnx::GraphProto& g = m.proto.graph();
  std::set<std::string> defined;
  for (const auto& t : g.initializer()) defined.insert(t.name());
  for (const auto& v : g.input()) defined.insert(v.name());
  std::map<std::string, int> producer;
  for (int i = 0; i < g.node_size(); ++i)
    for (const std::string& out : g.node(i).output()) {
      if (out.empty()) continue;
      if (defined.count(out) || !producer.emplace(out, i).second)
        return InvalidArgument("{}: tensor '{}' is produced twice (by {})", what, out, NodeLabel(g.node(i)));
    }
  std::vector<int> waiting(g.node_size(), 0);
  std::map<std::string, std::vector<int>> readers;
  for (int i = 0; i < g.node_size(); ++i) {
    const onnx::NodeProto& n = g.node(i);
    for (const std::string& in : n.input()) {
      if (in.empty() || defined.count(in)) continue;
      if (!producer.count(in))
        return InvalidArgument("{}: {} reads tensor '{}', which no input, initializer or node defines", what,
                               NodeLabel(n), in);
      ++waiting[i];
      readers[in].push_back(i);
    }
  }
  // The lowest-numbered ready node goes first, so a file already in topological order (as
  // exporters write them) keeps its order.
  std::set<int> ready;
  for (int i = 0; i < g.node_size(); ++i)
    if (waiting[i] == 0) ready.insert(i);
  while (!ready.empty()) {
    const int i = *ready.begin();
    ready.erase(ready.begin());
    m.order.push_back(i);
    for (const std::string& out : g.node(i).output())
      for (int reader : readers[out])
        if (--waiting[reader] == 0) ready.insert(reader);
  }
  if (static_cast<int>(m.order.size()) == g.node_size()) return Status::Ok();
  std::string cycle;
  for (int i = 0; i < g.node_size(); ++i)
    if (waiting[i] > 0) cycle += (cycle.empty() ? "" : ", ") + NodeLabel(g.node(i));
  return InvalidArgument("{}: the graph has a cycle; these nodes wait on each other: {}", what, cycle);
}

}  // namespace

StatusOr<OnnxModel> ParseOnnxModel(const std::vector<uint8_t>& bytes, const std::string& what) {
  OnnxModel m;
  if (bytes.empty()) return InvalidArgument("{}: the file is empty", what);
  if (!m.proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return InvalidArgument("{}: not a valid ONNX model (the protobuf does not parse; is the file truncated?)", what);
  if (!m.proto.has_graph() || m.proto.graph().node_size() == 0)
    return InvalidArgument("{}: the ONNX model has no graph nodes", what);
  if (m.proto.ir_version() < 3)
    return InvalidArgument("{}: ONNX IR version {} is too old (3 or later is read)", what, m.proto.ir_version());
  QF_RETURN_IF_ERROR(CheckOpset(m, what));
  QF_RETURN_IF_ERROR(SortNodes(m, what));
  return m;
}

StatusOr<OnnxModel> ReadOnnxModel(const std::string& path) {
  QF_ASSIGN_OR_RETURN(const std::vector<uint8_t> bytes, ReadFileBytes(path, (uint64_t{1} << 31) - 1));
  return ParseOnnxModel(bytes, path);
}

}  // namespace qforge::onnx_import
