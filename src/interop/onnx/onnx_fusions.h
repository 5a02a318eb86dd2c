// Activations that exporters spell out in several nodes, recognized before import and replaced
// by the one operator they compute, so the importer (and quantization after it) sees the real
// activation: x * HardSigmoid(x) and x * Clip(x + 3, 0, 6) / 6 (or * 1/6) are HardSwish;
// x * Sigmoid(x) is SiLU (an operator ONNX does not have: the fused node is the only way in).
// And a zero Pad of H and W before a Conv (TensorFlow exports write them) becomes the
// convolution's own padding.
#pragma once

#include <onnx/onnx_pb.h>

#include <vector>

#include "interop/onnx/import_context.h"
#include "interop/onnx/onnx_file.h"

namespace qforge::onnx_import {

// The doc_string of a fused node (it may use an operator newer than the model's opset).
inline constexpr const char* kFusedDoc = "fused by qforge's importer";

// True for a HardSigmoid with PyTorch's slope (alpha 1/6, beta 1/2): relu6(x + 3) / 6.
bool IsPyTorchHardSigmoid(const onnx::NodeProto& node);

// The model's nodes in topological order with the spelled-out activations fused. Constants are
// looked up in `ctx` (the initializers) and in Constant nodes.
std::vector<onnx::NodeProto> FuseActivations(const OnnxModel& m, const ImportContext& ctx);

}  // namespace qforge::onnx_import
