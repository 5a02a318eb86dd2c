// The import driver (see onnx_import.h): reads and checks the file, declares the inputs and
// initializers, then visits the nodes in topological order — folding constant shape arithmetic,
// handing each other node to its importer — and collects every node that cannot be imported.
#include "interop/onnx/onnx_import.h"

#include <fmt/format.h>
#include <onnx/checker.h>
#include <onnx/defs/schema.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "data/file_bytes.h"
#include "interop/onnx/importers.h"
#include "interop/onnx/onnx_file.h"
#include "interop/onnx/onnx_fusions.h"

namespace qforge::onnx_import {
namespace {

const std::map<std::string, NodeImporter>& Importers() {
  static const std::map<std::string, NodeImporter> table = [] {
    std::map<std::string, NodeImporter> t;
    for (auto rows : {LayerImporters(), ElementwiseImporters(), PoolImporters(), ShapeImporters(), ChannelImporters(),
                      ResizeImporters()})
      for (const ImporterRow& row : rows) t.emplace(row.op_type, row.import);
    return t;
  }();
  return table;
}

// The model's float inputs (those not also initializers) with static sizes but for the batch.
// Returns the fixed batch size the inputs declare, or -1 when it is dynamic.
StatusOr<int64_t> DeclareInputs(const onnx::GraphProto& g, ImportContext& ctx, const std::string& what) {
  std::set<std::string> initializers;
  for (const auto& t : g.initializer()) initializers.insert(t.name());
  int64_t fixed_batch = -1;
  for (const onnx::ValueInfoProto& in : g.input()) {
    if (initializers.count(in.name())) continue;
    if (!in.type().has_tensor_type() || in.type().tensor_type().elem_type() != onnx::TensorProto::FLOAT)
      return InvalidArgument("{}: input '{}' is not a float tensor", what, in.name());
    const auto& shape = in.type().tensor_type().shape();
    if (shape.dim_size() < 2)
      return InvalidArgument("{}: input '{}' has rank {}; qforge needs [batch, ...] inputs", what, in.name(), shape.dim_size());
    Shape dims;
    for (int d = 1; d < shape.dim_size(); ++d) {
      const auto& dim = shape.dim(d);
      if (!dim.has_dim_value() || dim.dim_value() <= 0)
        return InvalidArgument("{}: input '{}' has a dynamic dimension {}{}; qforge imports static sizes (only the "
                               "batch may be dynamic): re-export with a fixed input size", what, in.name(), d,
                               dim.has_dim_param() ? fmt::format(" ('{}')", dim.dim_param()) : "");
      dims.push_back(dim.dim_value());
    }
    if (shape.dim(0).has_dim_value() && shape.dim(0).dim_value() > 0) fixed_batch = shape.dim(0).dim_value();
    QF_ASSIGN_OR_RETURN(const int id, ctx.graph().AddInput(in.name(), dims));
    ctx.SetActivation(in.name(), id);
  }
  if (ctx.graph().inputs().empty()) return InvalidArgument("{}: the model has no inputs", what);
  return fixed_batch;
}

Status DeclareInitializers(const onnx::GraphProto& g, ImportContext& ctx) {
  for (const onnx::TensorProto& t : g.initializer()) {
    QF_ASSIGN_OR_RETURN(ConstTensor c, ReadTensorProto(t, fmt::format("initializer '{}'", t.name())));
    ctx.SetConstant(t.name(), std::move(c));
  }
  return Status::Ok();
}

// What ONNX's own checker says of a node (schema, attributes), or "" when it is valid. Opsets
// newer than the ONNX library knows are left to the importers' own checks.
std::string CheckerComplaint(const onnx::NodeProto& n, const onnx::checker::CheckerContext& ctx, bool schema_known) {
  if (!schema_known || n.doc_string() == kFusedDoc) return "";
  try {
    onnx::checker::LexicalScopeContext lex;
    for (const std::string& in : n.input()) lex.add(in);
    onnx::checker::check_node(n, ctx, lex);
  } catch (const std::exception& e) {
    std::string msg = e.what();
    const size_t end = msg.find("\n\n==>");  // drop the checker's node dump
    return msg.substr(0, end);
  }
  return "";
}

bool AllInputsConstant(const ImportContext& ctx, const onnx::NodeProto& n) {
  for (const std::string& in : n.input()) {
    if (in.empty()) continue;
    const ImportedValue* v = ctx.Find(in);
    if (!v || !v->is_constant()) return false;
  }
  return n.input_size() > 0;
}

// A node that cannot be imported, and why.
struct Problem {
  std::string op_type, name, reason;
};

// One line for the error: the problems grouped by operator and reason (in order of appearance),
// each group naming all its nodes.
std::string ListProblems(const std::vector<Problem>& problems) {
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  for (const Problem& p : problems) {
    const std::string key = fmt::format("{} ({})", p.op_type, p.reason);
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == key; });
    if (it == groups.end()) it = groups.insert(groups.end(), {key, {}});
    it->second.push_back("'" + p.name + "'");
  }
  std::string line;
  for (const auto& [key, names] : groups) {
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    line += fmt::format("{}{}: {}", line.empty() ? "" : "; ", key, list);
  }
  return line;
}

// Imports the nodes; returns each node that cannot be imported.
std::vector<Problem> ImportNodes(const OnnxModel& m, const std::vector<onnx::NodeProto>& nodes, ImportContext& ctx,
                                     ImportStats& stats) {
  onnx::checker::CheckerContext checker;
  checker.set_ir_version(static_cast<int>(m.proto.ir_version()));
  std::unordered_map<std::string, int> opsets;
  for (const auto& o : m.proto.opset_import()) opsets[o.domain()] = static_cast<int>(o.version());
  checker.set_opset_imports(opsets);
  const auto& known = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  const bool schema_known = known.count("") && m.opset <= known.at("").second;

  std::vector<Problem> problems;
  for (const onnx::NodeProto& n : nodes) {
    const std::string name = NodeName(n);
    if (!n.domain().empty() && n.domain() != "ai.onnx") {
      problems.push_back({n.op_type(), name, fmt::format("operators of domain '{}' are not supported", n.domain())});
      continue;
    }
    const std::string complaint = CheckerComplaint(n, checker, schema_known);
    if (!complaint.empty()) {
      problems.push_back({n.op_type(), name, "not valid ONNX: " + complaint});
      continue;
    }
    Status s;
    const auto importer = Importers().find(n.op_type());
    if (n.op_type() != "Shape" && AllInputsConstant(ctx, n) && CanFold(n.op_type())) {
      s = FoldConstantNode(ctx, n);
      ++stats.folded_nodes;
    } else if (importer != Importers().end()) {
      s = importer->second(ctx, n);
    } else {
      s = Unimplemented("the operator is not supported{}", CanFold(n.op_type()) ? " on activations (only in constant shape arithmetic)" : "");
    }
    if (!s.ok() && s.code() != kInputNotImported) problems.push_back({n.op_type(), name, s.message()});
  }
  return problems;
}

Status DeclareOutputs(const onnx::GraphProto& g, ImportContext& ctx, const std::string& what) {
  std::vector<int> outputs;
  for (const onnx::ValueInfoProto& out : g.output()) {
    onnx::NodeProto reader;  // names the reshape Activation may add
    reader.set_name(out.name());
    reader.add_input(out.name());
    reader.add_output(out.name());
    const ImportedValue* v = ctx.Find(out.name());
    if (!v) return InvalidArgument("{}: output '{}' was not computed", what, out.name());
    if (v->is_constant()) return InvalidArgument("{}: output '{}' is a constant, not computed from the input", what, out.name());
    QF_ASSIGN_OR_RETURN(const int id, ctx.Activation(reader, 0));
    outputs.push_back(id);
  }
  return ctx.graph().SetOutputs(outputs);
}

}  // namespace

bool IsOnnxPath(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".onnx";
}

namespace {

// A model qforge exported carries its preprocessing and class names in metadata_props
// (`qforge export`); they come back with it. Other producers' keys are left alone.
Status ReadExportedMetadata(const onnx::ModelProto& proto, const std::string& what, CheckpointMeta* meta) {
  if (proto.producer_name() != "qforge") return Status::Ok();
  for (const onnx::StringStringEntryProto& p : proto.metadata_props()) {
    if (p.key() != "preprocess" && p.key() != "class_names") continue;
    const nlohmann::json j = nlohmann::json::parse(p.value(), nullptr, /*allow_exceptions=*/false);
    if (p.key() == "preprocess") {
      auto pre = Preprocess::FromJson(j);
      if (!pre.ok()) return InvalidArgument("{}: metadata 'preprocess': {}", what, pre.status().message());
      meta->preprocess = *pre;
    } else {
      if (!j.is_array()) return InvalidArgument("{}: metadata 'class_names' is not a JSON list", what);
      for (const auto& name : j) {
        if (!name.is_string()) return InvalidArgument("{}: metadata 'class_names' holds a non-string", what);
        meta->class_names.push_back(name.get<std::string>());
      }
    }
  }
  return Status::Ok();
}

}  // namespace

StatusOr<Checkpoint> ImportOnnxBytes(const std::vector<uint8_t>& bytes, const std::string& what,
                                     const ImportOptions& options, ImportStats* stats_out) {
  QF_ASSIGN_OR_RETURN(const OnnxModel m, ParseOnnxModel(bytes, what));
  const onnx::GraphProto& g = m.proto.graph();
  ImportStats stats;
  stats.opset = m.opset;
  stats.onnx_nodes = g.node_size();
  ImportContext ctx(m.opset);
  if (Status s = DeclareInitializers(g, ctx); !s.ok()) return InvalidArgument("{}: {}", what, s.message());
  QF_ASSIGN_OR_RETURN(const int64_t fixed_batch, DeclareInputs(g, ctx, what));
  ctx.set_fixed_batch(fixed_batch);
  const std::vector<onnx::NodeProto> nodes = FuseActivations(m, ctx);
  const std::vector<Problem> problems = ImportNodes(m, nodes, ctx, stats);
  if (!problems.empty())
    return InvalidArgument("{}: {} of {} nodes cannot be imported: {}", what, problems.size(), nodes.size(),
                           ListProblems(problems));
  QF_RETURN_IF_ERROR(DeclareOutputs(g, ctx, what));
  Checkpoint ck;
  ck.graph = std::move(ctx.graph());
  ck.meta.model_name = std::filesystem::path(what).stem().string();
  QF_RETURN_IF_ERROR(ReadExportedMetadata(m.proto, what, &ck.meta));
  if (!options.class_names.empty()) ck.meta.class_names = options.class_names;
  ck.meta.train_state = nlohmann::json::object();
  ck.meta.train_state["imported_from"] = {{"file", std::filesystem::path(what).filename().string()},
                                          {"opset", m.opset},
                                          {"producer", m.proto.producer_name() + " " + m.proto.producer_version()}};
  if (stats_out) *stats_out = stats;
  return ck;
}

StatusOr<Checkpoint> ImportOnnx(const std::string& path, const ImportOptions& options, ImportStats* stats) {
  QF_ASSIGN_OR_RETURN(const std::vector<uint8_t> bytes, ReadFileBytes(path, (uint64_t{1} << 31) - 1));
  return ImportOnnxBytes(bytes, path, options, stats);
}

}  // namespace qforge::onnx_import
