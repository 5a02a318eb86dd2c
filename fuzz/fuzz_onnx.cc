// Fuzz target: an ONNX model's bytes imported into a training graph (protobuf parsing, the
// graph checks, constant folding and every operator importer).
#include "fuzz/fuzz_util.h"
#include "interop/onnx/onnx_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)qforge::onnx_import::ImportOnnxBytes(qforge::fuzz::Bytes(data, size), "fuzz.onnx");
  return 0;
}
