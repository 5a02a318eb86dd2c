// ONNX export of a .qfm model (`qforge export --format onnx`): float models as plain ONNX;
// quantized ones in the QDQ form that ONNX Runtime and TensorRT compile back to integer
// kernels (QuantizeLinear / DequantizeLinear around each quantized operator, per-channel int8
// weights on the output-channel axis, int32 biases on the input x weight scale grid, fused
// activations as Relu / Clip). Images are NCHW with a symbolic batch; the preprocessing and
// class names travel in metadata_props. The result passes ONNX's checker.
#pragma once

#include <string>

#include "interop/qfm_view.h"

namespace qforge::onnx_export {

inline constexpr int kExportOpset = 14;  // HardSwish's first opset

// How int8 activations are stored: uint8 (zero point + 128, the same real values) is what ONNX
// Runtime's x86 integer kernels take — its QDQ fusions leave int8 activations in float where a
// tensor has several readers; int8 keeps the .qfm's values. Models with integer inputs or
// outputs (--int8-io) stay int8.
enum class OnnxActivations { kUint8, kInt8 };

struct OnnxExportOptions {
  OnnxActivations activations = OnnxActivations::kUint8;
  // The QOperator form: int8 convolutions as QLinearConv, bias-free dense layers as
  // QLinearMatMul, additions as QLinearAdd (com.microsoft), each where its fused activation is
  // the output grid's own clamp; everything else stays in the QDQ form.
  bool qoperator = false;
};

// The serialized ModelProto, or the reason the model cannot be written (naming the operator).
StatusOr<std::string> ExportOnnx(const interop::QfmView& view, const OnnxExportOptions& options = {});

}  // namespace qforge::onnx_export
