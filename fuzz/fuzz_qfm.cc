// Fuzz target: a .qfm model's bytes — loaded (FlatBuffers verifier, semantic checks, coded
// buffers decoded), an interpreter created (every operator validated, the arena planned under a
// small cap) and invoked on a fixed input, with the optimized kernels and with the portable
// reference kernels.
#include "runtime/interpreter.h"
#include "runtime/model/model.h"

namespace {

// Activations a fuzzed model may declare: small, so one input cannot take the fuzzer's memory.
constexpr int64_t kMaxArenaBytes = int64_t{16} << 20;
// Models with a larger arena are loaded and created but not invoked (their compute, not their
// validity, would dominate the run).
constexpr int64_t kMaxInvokedArenaBytes = int64_t{2} << 20;

void CreateAndInvoke(const std::shared_ptr<const qforge::runtime::Model>& model, qforge::runtime::Isa isa) {
  qforge::runtime::InterpreterOptions options;
  options.max_isa = isa;
  options.max_arena_bytes = kMaxArenaBytes;
  auto interpreter = qforge::runtime::Interpreter::Create(model, options);
  if (!interpreter.ok()) return;
  qforge::runtime::Interpreter& in = **interpreter;
  if (in.arena_stats().peak_bytes > kMaxInvokedArenaBytes) return;
  for (int i = 0; i < in.num_inputs(); ++i) {
    const qforge::runtime::RuntimeTensor& t = in.input(i);
    std::vector<uint8_t> values(static_cast<size_t>(t.bytes));
    for (size_t k = 0; k < values.size(); ++k) values[k] = static_cast<uint8_t>(k * 37 + 11);
    if (t.dtype == qforge::qfm::DType::FLOAT32) {  // finite floats in [-1, 1]
      auto* f = reinterpret_cast<float*>(values.data());
      for (size_t k = 0; k < values.size() / 4; ++k) f[k] = static_cast<float>(static_cast<int>(k % 201) - 100) / 100.0f;
    }
    if (!in.SetInput(i, values.data(), t.bytes).ok()) return;
  }
  (void)in.Invoke();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto model = qforge::runtime::Model::FromBytes(data, size, "fuzz.qfm");
  if (!model.ok()) return 0;
  CreateAndInvoke(*model, qforge::runtime::kHighestIsa);
  CreateAndInvoke(*model, qforge::runtime::Isa::kRef);
  return 0;
}
