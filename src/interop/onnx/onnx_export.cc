// ExportOnnx (see onnx_export.h): the graph's inputs and outputs, one exporter per operator
// (export_*.cc), the metadata, and ONNX's checker over the result.
#include "interop/onnx/onnx_export.h"

#include <fmt/format.h>
#include <onnx/checker.h>

#include <map>
#include <nlohmann/json.hpp>

#include "core/status.h"
#include "interop/onnx/export_context.h"

namespace qforge::onnx_export {
namespace {

const std::map<qfm::OpType, OpExporter>& Exporters() {
  static const auto table = interop::GatherExporters<OpExporter>({LayerExporters(), ElementwiseExporters(), ShapeExporters()});
  return table;
}

// ONNX's QuantizeLinear takes int16 only from opset 21, and int64 biases belong to int16 models.
Status CheckTypes(const QfmView& view) {
  for (const QfmOp& op : view.ops())
    for (const auto* list : {&op.inputs, &op.outputs})
      for (int t : *list) {
        if (t < 0) continue;
        const QfmTensor& x = view.tensor(t);
        if (x.dtype == qfm::DType::INT16 || x.dtype == qfm::DType::INT64)
          return Unimplemented("ONNX export: {} uses {} tensor '{}'; int16x8 models have no ONNX form at opset {} "
                               "(QuantizeLinear takes int16 from opset 21) — export them to TFLite",
                               op.Label(), qfm::EnumNameDType(x.dtype), x.name, kExportOpset);
      }
  return Status::Ok();
}

void AddValueInfo(const ExportContext& ctx, int index, onnx::ValueInfoProto* v) {
  v->set_name(ctx.tensor(index).name);
  onnx::TypeProto::Tensor* type = v->mutable_type()->mutable_tensor_type();
  type->set_elem_type(ctx.StoredType(index));
  const std::vector<int> dims = ctx.OnnxShape(index);
  for (size_t d = 0; d < dims.size(); ++d) {
    onnx::TensorShapeProto::Dimension* dim = type->mutable_shape()->add_dim();
    if (d == 0) {
      dim->set_dim_param("N");
    } else {
      dim->set_dim_value(dims[d]);
    }
  }
}

void AddMetadata(onnx::ModelProto* model, const std::string& key, const std::string& value) {
  onnx::StringStringEntryProto* p = model->add_metadata_props();
  p->set_key(key);
  p->set_value(value);
}

// The .qfm's metadata, whole, and its preprocessing and class names as keys of their own.
void AddModelMetadata(const QfmView& view, onnx::ModelProto* model) {
  AddMetadata(model, "input_layout", "NCHW");
  if (view.metadata().empty()) return;
  AddMetadata(model, "qforge", view.metadata());
  const nlohmann::json meta = nlohmann::json::parse(view.metadata(), nullptr, false);
  if (!meta.is_object()) return;
  for (const char* key : {"preprocess", "class_names", "mode", "model"})
    if (meta.contains(key)) AddMetadata(model, key, meta[key].is_string() ? meta[key].get<std::string>() : meta[key].dump());
}

// Integer model inputs or outputs (--int8-io) keep every activation int8, so that operators
// moving stored values never meet two types.
bool HasIntegerIo(const QfmView& view) {
  for (const auto* list : {&view.inputs(), &view.outputs()})
    for (int t : *list)
      if (view.tensor(t).dtype != qfm::DType::FLOAT32) return true;
  return false;
}

}  // namespace

StatusOr<std::string> ExportOnnx(const QfmView& view, const OnnxExportOptions& options) {
  QF_RETURN_IF_ERROR(CheckTypes(view));
  onnx::ModelProto model;
  model.set_ir_version(7);
  model.set_producer_name("qforge");
  const std::string& producer = view.producer();
  model.set_producer_version(producer.rfind("qforge ", 0) == 0 ? producer.substr(7) : producer);
  onnx::OperatorSetIdProto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(kExportOpset);
  onnx::GraphProto* graph = model.mutable_graph();
  graph->set_name("qforge");
  ExportContext ctx(view, graph, options.activations == OnnxActivations::kUint8 && !HasIntegerIo(view));
  ctx.set_qoperator(options.qoperator);
  for (int input : view.inputs()) AddValueInfo(ctx, input, graph->add_input());
  for (const QfmOp& op : view.ops()) {
    auto it = Exporters().find(op.type);
    if (it == Exporters().end()) return Unimplemented("ONNX export: {} has no ONNX form", op.Label());
    if (const Status s = it->second(ctx, op); !s.ok())
      return Status(s.code(), fmt::format("ONNX export: {}: {}", op.Label(), s.message()));
  }
  for (int output : view.outputs()) AddValueInfo(ctx, output, graph->add_output());
  for (const onnx::NodeProto& n : graph->node())
    if (n.domain() == "com.microsoft") {
      onnx::OperatorSetIdProto* ms = model.add_opset_import();
      ms->set_domain("com.microsoft");
      ms->set_version(1);
      break;
    }
  AddModelMetadata(view, &model);
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    return InternalError("ONNX export: the written graph fails ONNX's checker: {}", e.what());
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes)) return InternalError("ONNX export: the model does not serialize (over 2 GiB?)");
  return bytes;
}

}  // namespace qforge::onnx_export
