// The node importers: one function per ONNX operator, listed in a table per file. An importer
// reads its node's inputs and attributes from the context, adds qforge nodes (or records a
// constant) and sets its outputs; an error is the reason the node cannot be imported.
#pragma once

#include <onnx/onnx_pb.h>

#include <vector>

#include "interop/onnx/import_context.h"

namespace qforge::onnx_import {

using NodeImporter = Status (*)(ImportContext& ctx, const onnx::NodeProto& node);

struct ImporterRow {
  const char* op_type;
  NodeImporter import;
};

std::vector<ImporterRow> LayerImporters();       // import_layers.cc: Conv, Gemm, MatMul, BatchNormalization
std::vector<ImporterRow> ElementwiseImporters();  // import_elementwise.cc: activations, Add, Softmax, Dropout
std::vector<ImporterRow> PoolImporters();        // import_pool.cc: MaxPool, AveragePool, global pooling
std::vector<ImporterRow> ShapeImporters();       // import_shape.cc: Flatten, Reshape, Concat, constants
std::vector<ImporterRow> ChannelImporters();     // import_channels.cc: Transpose (shuffle), Slice, Split
std::vector<ImporterRow> ResizeImporters();      // import_resize.cc: Resize, Upsample

// A Slice node's bounds resolved against a tensor's dims (ONNX clamping, negative indices):
// for each dimension its first index, its step and the output size.
struct SliceSpec {
  std::vector<int64_t> begin, step;
  Shape out;
};
StatusOr<SliceSpec> ReadSliceSpec(ImportContext& ctx, const onnx::NodeProto& n, const Shape& dims);

// Computes a node whose inputs are all constants (shape arithmetic); false when the operator
// has no constant folding here (constant_fold.cc).
bool CanFold(const std::string& op_type);
Status FoldConstantNode(ImportContext& ctx, const onnx::NodeProto& node);

}  // namespace qforge::onnx_import
