// ExportTflite (see tflite_export.h): one exporter per operator (tflite_*.cc), the subgraph's
// inputs, outputs, signature and metadata, and the FlatBuffers verifier over the result.
#include "interop/tflite/tflite_export.h"

#include <fmt/format.h>

#include <map>

#include "interop/tflite/tflite_ops.h"

namespace qforge::tflite_export {
namespace {

const std::map<qfm::OpType, OpExporter>& Exporters() {
  static const auto table = interop::GatherExporters<OpExporter>({LayerExporters(), ElementwiseExporters(), ShapeExporters()});
  return table;
}

// An n-bit activation grid (QAT with fewer than 8 bits) has no TFLite field: the operator writes
// a full int8 tensor, which MAXIMUM and MINIMUM with the grid's ends then clamp.
bool NarrowGrid(const QfmTensor& t) { return t.dtype == qfm::DType::INT8 && t.bits >= 2 && t.bits < 8; }

void ClampToGrid(TfliteBuilder& b, int index, int wide) {
  const QfmTensor& t = b.tensor(index);
  const TensorQuant q{t.scale, t.zero_point, 0};
  const int8_t lo = static_cast<int8_t>(-(1 << (t.bits - 1))), hi = static_cast<int8_t>((1 << (t.bits - 1)) - 1);
  const int at_least = b.TensorLike(index, t.name + "/at_least");
  MaxMin(b, tfl::BuiltinOperator::MAXIMUM, wide, b.NewTensor(t.name + "/grid_min", tfl::TensorType::INT8, {1}, &q, &lo, 1),
         at_least);
  MaxMin(b, tfl::BuiltinOperator::MINIMUM, at_least,
         b.NewTensor(t.name + "/grid_max", tfl::TensorType::INT8, {1}, &q, &hi, 1), b.Tensor(index));
}

}  // namespace

StatusOr<std::vector<uint8_t>> ExportTflite(const QfmView& view) {
  TfliteBuilder b(view);
  for (const QfmOp& op : view.ops()) {
    auto it = Exporters().find(op.type);
    if (it == Exporters().end()) return Unimplemented("TFLite export: {} has no TFLite form", op.Label());
    std::vector<std::pair<int, int>> narrow;  // .qfm output, the full int8 tensor written first
    for (int out : op.outputs)
      if (NarrowGrid(b.tensor(out))) {
        narrow.emplace_back(out, b.TensorLike(out, b.tensor(out).name + "/wide"));
        b.MapTo(out, narrow.back().second);
      }
    if (const Status s = it->second(b, op); !s.ok())
      return Status(s.code(), fmt::format("TFLite export: {}: {}", op.Label(), s.message()));
    for (const auto& [out, wide] : narrow) {
      b.MapTo(out, -1);
      ClampToGrid(b, out, wide);
    }
  }
  std::vector<uint8_t> bytes = b.Finish(view.producer().empty() ? "qforge" : view.producer(), view.metadata());
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!tfl::VerifyModelBuffer(verifier)) return InternalError("TFLite export: the written file fails the verifier");
  return bytes;
}

}  // namespace qforge::tflite_export
