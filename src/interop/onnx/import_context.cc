// The importer's value table and node helpers (see import_context.h).
#include "interop/onnx/import_context.h"

#include <fmt/format.h>

#include "interop/onnx/onnx_file.h"
#include "ops/tensor_ops.h"

namespace qforge::onnx_import {

NodeAttrs::NodeAttrs(const onnx::NodeProto& node) {
  for (const auto& a : node.attribute()) by_name_[a.name()] = &a;
}

const onnx::AttributeProto* NodeAttrs::Find(const std::string& name, onnx::AttributeProto::AttributeType type) {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return nullptr;
  if (it->second->type() != type) {
    if (status_.ok())
      status_ = InvalidArgument("attribute '{}' should be {}, is {}", name, onnx::AttributeProto::AttributeType_Name(type),
                                onnx::AttributeProto::AttributeType_Name(it->second->type()));
    return nullptr;
  }
  return it->second;
}

int64_t NodeAttrs::Int(const std::string& name, int64_t def) {
  const auto* a = Find(name, onnx::AttributeProto::INT);
  return a ? a->i() : def;
}
float NodeAttrs::Float(const std::string& name, float def) {
  const auto* a = Find(name, onnx::AttributeProto::FLOAT);
  return a ? a->f() : def;
}
std::string NodeAttrs::String(const std::string& name, const std::string& def) {
  const auto* a = Find(name, onnx::AttributeProto::STRING);
  return a ? a->s() : def;
}
std::vector<int64_t> NodeAttrs::Ints(const std::string& name, std::vector<int64_t> def) {
  const auto* a = Find(name, onnx::AttributeProto::INTS);
  return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : def;
}
std::vector<float> NodeAttrs::Floats(const std::string& name) {
  const auto* a = Find(name, onnx::AttributeProto::FLOATS);
  return a ? std::vector<float>(a->floats().begin(), a->floats().end()) : std::vector<float>{};
}
const onnx::TensorProto* NodeAttrs::TensorAttr(const std::string& name) {
  const auto* a = Find(name, onnx::AttributeProto::TENSOR);
  return a ? &a->t() : nullptr;
}

const ImportedValue* ImportContext::Find(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

StatusOr<const ImportedValue*> ImportContext::Input(const onnx::NodeProto& n, int i) const {
  if (!HasInput(n, i)) return InvalidArgument("input {} is missing", i + 1);
  const ImportedValue* v = Find(n.input(i));
  if (!v) return Status(kInputNotImported, fmt::format("input '{}' was not imported", n.input(i)));
  return v;
}

StatusOr<const ConstTensor*> ImportContext::ConstantInput(const onnx::NodeProto& n, int i,
                                                          const std::string& what) const {
  QF_ASSIGN_OR_RETURN(const ImportedValue* v, Input(n, i));
  if (!v->is_constant()) return InvalidArgument("{} ('{}') must be a constant, not computed from the input", what, n.input(i));
  return &v->constant;
}

StatusOr<int> ImportContext::ActivationAnyShape(const onnx::NodeProto& n, int i) const {
  QF_ASSIGN_OR_RETURN(const ImportedValue* v, Input(n, i));
  if (v->is_constant())
    return InvalidArgument("input '{}' is a constant here; qforge imports this operator on activations only", n.input(i));
  return v->id;
}

StatusOr<int> ImportContext::Activation(const onnx::NodeProto& n, int i) {
  QF_ASSIGN_OR_RETURN(const int id, ActivationAnyShape(n, i));
  const Shape& onnx_shape = Find(n.input(i))->shape;
  if (graph_.values()[id].shape == onnx_shape) return id;
  auto it = reshaped_.find(id);
  if (it != reshaped_.end()) return it->second;
  const Shape target(onnx_shape.begin() + 1, onnx_shape.end());
  QF_ASSIGN_OR_RETURN(const int reshaped, AddNode(n, std::make_unique<ReshapeOp>(target), {id}, "/reshape_in"));
  reshaped_[id] = reshaped;
  return reshaped;
}

StatusOr<int> ImportContext::Param(const std::string& name, const Tensor& t, bool trainable) {
  auto it = params_.find(name);
  if (it != params_.end()) return it->second;
  for (int64_t i = 0; i < t.size(); ++i)
    if (!std::isfinite(t[i])) return InvalidArgument("initializer '{}' holds a value that is not finite", name);
  QF_ASSIGN_OR_RETURN(const int id, graph_.AddParam(name, t, trainable));
  params_[name] = id;
  return id;
}

std::string ImportContext::UniqueNodeName(const onnx::NodeProto& n, const std::string& suffix) {
  std::string base = NodeName(n) + suffix;
  std::string name = base;
  for (int k = 2; node_names_.count(name) || graph_.FindValue(name) >= 0; ++k) name = fmt::format("{}_{}", base, k);
  node_names_.insert(name);
  return name;
}

StatusOr<int> ImportContext::AddNode(const onnx::NodeProto& n, std::unique_ptr<Op> op, const std::vector<int>& inputs,
                                     const std::string& suffix) {
  return graph_.AddNode(UniqueNodeName(n, suffix), std::move(op), inputs);
}

void ImportContext::SetActivation(const std::string& name, int id, Shape onnx_shape) {
  ImportedValue v;
  v.id = id;
  v.shape = std::move(onnx_shape);
  values_[name] = std::move(v);
}

void ImportContext::SetActivation(const std::string& name, int id) { SetActivation(name, id, graph_.values()[id].shape); }

void ImportContext::SetConstant(const std::string& name, ConstTensor c) {
  ImportedValue v;
  v.shape = c.dims;
  v.constant = std::move(c);
  values_[name] = std::move(v);
}

}  // namespace qforge::onnx_import
