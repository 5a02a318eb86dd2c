// TFLite export of a .qfm model (`qforge export --format tflite`): a FlatBuffer following
// TFLite's published schema (tflite_schema.fbs) with the .qfm's tensors as they are — int8
// per-channel weights, int32 biases, per-tensor int8 activations with the same scales, zero
// points and fused activations (TFLite's int8 specification is the .qfm's), int16x8, float, and
// float16 weights behind DEQUANTIZE — plus the signature "serving_default" naming the inputs and
// outputs and the .qfm's metadata (preprocessing, class names) as metadata entry "qforge".
#pragma once

#include <cstdint>
#include <vector>

#include "interop/qfm_view.h"

namespace qforge::tflite_export {

// The file's bytes (verified against the schema), or the reason the model cannot be written
// (naming the operator).
StatusOr<std::vector<uint8_t>> ExportTflite(const interop::QfmView& view);

}  // namespace qforge::tflite_export
