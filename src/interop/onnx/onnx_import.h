// ONNX import: a float model exported by another framework (PyTorch, TensorFlow via tf2onnx, ...)
// becomes a qforge training graph with its weights — a checkpoint that trains, quantizes and
// converts like a zoo model. Nodes qforge cannot import make the whole import fail with one error
// that lists each of them (operator, node name, reason).
#pragma once

#include <string>
#include <vector>

#include "train/checkpoint.h"

namespace qforge::onnx_import {

struct ImportOptions {
  std::vector<std::string> class_names;  // stored in the checkpoint when given
};

struct ImportStats {
  int opset = 0;
  int onnx_nodes = 0;     // in the file
  int folded_nodes = 0;   // constant shape arithmetic, computed at import
};

StatusOr<Checkpoint> ImportOnnxBytes(const std::vector<uint8_t>& bytes, const std::string& what,
                                     const ImportOptions& options = {}, ImportStats* stats = nullptr);
StatusOr<Checkpoint> ImportOnnx(const std::string& path, const ImportOptions& options = {},
                                ImportStats* stats = nullptr);

// True if `path` names an ONNX file (by its .onnx extension).
bool IsOnnxPath(const std::string& path);

}  // namespace qforge::onnx_import
