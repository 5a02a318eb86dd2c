// TFLite import (`qforge import MODEL.tflite --out MODEL.qfm`): a TFLite flatbuffer as a .qfm
// model for qforge's runtime. TFLite's tensors become .qfm tensors as they are (the two share
// layout and int8 arithmetic); each operator becomes the .qfm operator it computes, and the
// groups of TFLite operators that qforge's exporter writes for one .qfm operator (a PAD before
// a window, a LOGISTIC on its fixed grid then a QUANTIZE, ADD 3 + RELU6 then MUL 1/6, a
// RESHAPE-TRANSPOSE-RESHAPE channel shuffle, a 1x1 identity TRANSPOSE_CONV, DEQUANTIZE of
// constant weights, ...) become that operator again — so an exported model comes back with the
// same operators and computes the same values. An operator with no .qfm form fails the import,
// named.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace qforge::tflite_import {

// The .qfm bytes of TFLite file bytes; `what` names the file in errors.
StatusOr<std::vector<uint8_t>> TfliteToQfm(const std::vector<uint8_t>& bytes, const std::string& what);

bool IsTflitePath(const std::string& path);

}  // namespace qforge::tflite_import
