// Reading an ONNX model: the protobuf is parsed by the official ONNX classes (Debian's
// libonnx-dev), then checked for what the importer relies on — a supported opset (9 to 18), every
// node input defined, no cycle, no duplicate outputs — and its nodes put in topological order.
// Each failure is an error naming the file and the offending node or tensor.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace qforge::onnx_import {

inline constexpr int kMinOpset = 9, kMaxOpset = 18;

struct OnnxModel {
  onnx::ModelProto proto;
  int opset = 0;                  // of the default domain
  std::vector<int> order;         // graph node indices in topological order
};

StatusOr<OnnxModel> ParseOnnxModel(const std::vector<uint8_t>& bytes, const std::string& what);
StatusOr<OnnxModel> ReadOnnxModel(const std::string& path);

// The node's name, or its first output's when it has none.
std::string NodeName(const onnx::NodeProto& node);
// "Conv 'name'", for messages.
std::string NodeLabel(const onnx::NodeProto& node);

}  // namespace qforge::onnx_import
