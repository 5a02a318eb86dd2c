// Constant tensors of an ONNX model (initializers, Constant nodes, folded shape arithmetic),
// read from their TensorProto with every size checked against the declared shape.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"

namespace qforge::onnx_import {

// The symbolic batch size in folded shape values: Shape(x) of an activation yields it as dimension
// 0, and Reshape reads it back as "keep the batch". Any arithmetic on it is refused.
inline constexpr double kBatchDim = -1152921504606846976.0;  // -2^60, exact in a double

// A constant: its ONNX element type, dims, and values as doubles (exact for the float32, float16
// and the integer ranges shape arithmetic uses).
struct ConstTensor {
  int32_t elem_type = onnx::TensorProto::FLOAT;
  Shape dims;
  std::vector<double> values;

  int64_t count() const { return static_cast<int64_t>(values.size()); }
  bool IsScalarLike() const { return values.size() == 1; }
  Tensor ToFloatTensor() const;  // same dims; a rank-0 constant becomes [1]
};

// Reads an initializer or a Constant node's value; `what` names it in errors.
StatusOr<ConstTensor> ReadTensorProto(const onnx::TensorProto& t, const std::string& what);

// The ONNX name of an element type ("FLOAT", "INT64", ...).
std::string ElemTypeName(int32_t elem_type);
bool IsFloatType(int32_t elem_type);

}  // namespace qforge::onnx_import
