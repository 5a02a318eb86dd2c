// Fuzz target: a .tflite file imported as a runtime model (`qforge import x.tflite`): the
// FlatBuffers verifier, the operator and tensor checks, the .qfm written; the result must then
// load and get an interpreter like any .qfm (it is not invoked: fuzz_qfm covers running).
#include "fuzz/fuzz_util.h"
#include "interop/tflite/tflite_import.h"
#include "runtime/interpreter.h"
#include "runtime/model/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto qfm = qforge::tflite_import::TfliteToQfm(qforge::fuzz::Bytes(data, size), "fuzz.tflite");
  if (!qfm.ok()) return 0;
  auto model = qforge::runtime::Model::FromBytes(qfm->data(), qfm->size(), "imported.qfm");
  if (!model.ok()) return 0;
  qforge::runtime::InterpreterOptions options;
  options.max_arena_bytes = int64_t{16} << 20;
  (void)qforge::runtime::Interpreter::Create(*model, options);
  return 0;
}
