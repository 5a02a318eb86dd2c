// Model files -> Checkpoint or runtime Model (see model_files.h).
#include "workflow/model_files.h"

#include <fstream>

#include "interop/onnx/onnx_import.h"
#include "quant/ptq.h"
#include "quant/qat_export.h"

namespace qforge {

StatusOr<Checkpoint> LoadModelFile(const std::string& path) {
  if (onnx_import::IsOnnxPath(path)) return onnx_import::ImportOnnx(path);
  return LoadCheckpoint(path);
}

bool IsQfmFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[8] = {};
  return in.read(head, sizeof head) && std::string(head + 4, 4) == "QFM1";
}

StatusOr<std::shared_ptr<const runtime::Model>> LoadRuntimeModel(const std::string& path, bool int8_io) {
  if (IsQfmFile(path)) return runtime::Model::Load(path);
  QF_ASSIGN_OR_RETURN(const Checkpoint ck, LoadModelFile(path));
  std::vector<uint8_t> bytes;
  if (quant::IsQatGraph(ck.graph)) {
    quant::QatExportOptions o;
    o.int8_io = int8_io;
    QF_ASSIGN_OR_RETURN(bytes, quant::ConvertQatModel(ck.graph, ck.meta, o));
  } else {
    quant::PtqOptions o;
    o.mode = convert::Mode::kFloat;
    QF_ASSIGN_OR_RETURN(bytes, quant::QuantizeCheckpoint(ck, nullptr, o));
  }
  return runtime::Model::FromBytes(bytes.data(), bytes.size(), path + " (converted)");
}

}  // namespace qforge
