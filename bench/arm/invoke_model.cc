// Runs a .qfm model CALLS times at batch 1 on the kernels of one ISA and writes its first output's
// bytes — for bench/arm/instruction_counts.sh, which counts the instructions qemu-user executes
// (the difference between CALLS = 2 and 1 is one inference) and compares the outputs of every
// ISA byte for byte. The input is a fixed pattern, the same on every machine. Public API only.
// Usage: invoke_model MODEL.qfm ISA CALLS OUTPUT.bin
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "qforge/runtime.h"

namespace {

int Fail(const std::string& what) {
  std::fprintf(stderr, "invoke_model: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) return Fail("usage: invoke_model MODEL.qfm ISA CALLS OUTPUT.bin");
  const int calls = std::atoi(argv[3]);
  if (calls < 1 || calls > 1000) return Fail("CALLS must be in 1..1000");
  auto model = qforge::Model::Load(argv[1]);
  if (!model.ok()) return Fail(model.status().message());
  qforge::InterpreterOptions options;
  options.max_isa = argv[2];
  auto interpreter = qforge::Interpreter::Create(*model, options);
  if (!interpreter.ok()) return Fail(interpreter.status().message());
  const qforge::TensorInfo& input = interpreter->input(0);
  std::vector<char> bytes(static_cast<size_t>(input.bytes));
  if (input.dtype == qforge::DType::kFloat32) {  // a ramp over [0, 1], like an image
    std::vector<float> values(static_cast<size_t>(input.elements));
    for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i * 7919 % 256) / 255.0f;
    std::copy_n(reinterpret_cast<const char*>(values.data()), bytes.size(), bytes.data());
  } else {
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7919 % 256);
  }
  if (auto s = interpreter->SetInput(0, bytes.data(), bytes.size()); !s.ok()) return Fail(s.message());
  for (int c = 0; c < calls; ++c)
    if (auto s = interpreter->Invoke(); !s.ok()) return Fail(s.message());
  std::vector<char> out(static_cast<size_t>(interpreter->output(0).bytes));
  if (auto s = interpreter->GetOutput(0, out.data(), out.size()); !s.ok()) return Fail(s.message());
  std::ofstream file(argv[4], std::ios::binary);
  if (!file.write(out.data(), static_cast<std::streamsize>(out.size()))) return Fail(std::string("cannot write ") + argv[4]);
  std::string kernels;
  for (const std::string& name : interpreter->kernel_names()) kernels += (kernels.empty() ? "" : ", ") + name;
  std::printf("%s on %s: %s\n", argv[1], interpreter->isa().c_str(), kernels.c_str());
  return 0;
}
