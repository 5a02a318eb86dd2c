// Checkpoint or ONNX file -> Checkpoint (see model_files.h).
#include "cli/model_files.h"

#include "interop/onnx/onnx_import.h"

namespace qforge::cli {

StatusOr<Checkpoint> LoadModelFile(const std::string& path) {
  if (onnx_import::IsOnnxPath(path)) return onnx_import::ImportOnnx(path);
  return LoadCheckpoint(path);
}

}  // namespace qforge::cli
