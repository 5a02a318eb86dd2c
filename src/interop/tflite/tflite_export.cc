// ExportTflite (see tflite_export.h): one exporter per operator (tflite_*.cc), the subgraph's
// inputs, outputs, signature and metadata, and the FlatBuffers verifier over the result.
#include "interop/tflite/tflite_export.h"

#include <fmt/format.h>

#include <map>

#include "interop/tflite/tflite_ops.h"

namespace qforge::tflite_export {
namespace {

const std::map<qfm::OpType, OpExporter>& Exporters() {
  static const auto* table = [] {
    auto* t = new std::map<qfm::OpType, OpExporter>;
    for (const auto& rows : {LayerExporters(), ElementwiseExporters(), ShapeExporters()})
      for (const ExporterRow& r : rows) (*t)[r.type] = r.exporter;
    return t;
  }();
  return *table;
}

}  // namespace

StatusOr<std::vector<uint8_t>> ExportTflite(const QfmView& view) {
  TfliteBuilder b(view);
  for (const QfmOp& op : view.ops()) {
    auto it = Exporters().find(op.type);
    if (it == Exporters().end()) return Unimplemented("TFLite export: {} has no TFLite form", op.Label());
    if (const Status s = it->second(b, op); !s.ok())
      return Status(s.code(), fmt::format("TFLite export: {}: {}", op.Label(), s.message()));
  }
  std::vector<uint8_t> bytes = b.Finish(view.producer().empty() ? "qforge" : view.producer(), view.metadata());
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!tfl::VerifyModelBuffer(verifier)) return InternalError("TFLite export: the written file fails the verifier");
  return bytes;
}

}  // namespace qforge::tflite_export
