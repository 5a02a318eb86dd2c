// The command line's conventions, command by command (README, "Conventions"; src/cli/
// conventions.h): --json prints exactly one JSON object on stdout for every command; a wrong
// command line exits 2 with one error line, failed work exits 1; --help ends with examples and
// the top-level help lists the environment variables; `run` takes every input by name (NPY of
// any numeric type, or an NPZ) and writes every output with its own type.
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>

#include "cli_helpers.h"
#include "data/npz.h"
#include "runtime/float16.h"
#include "runtime/model/test_models.h"

namespace {

using namespace qforge_cli_test;
using nlohmann::json;

const char* const kCommands[] = {"train", "eval", "models", "quantize", "convert", "inspect", "run", "bench", "compress"};
// Each command with its required arguments (the files need not exist: flags are checked first).
const char* const kInvocations[] = {"train --model mlp", "eval a.ckpt", "models", "quantize a.ckpt --out b.qfm",
                                     "convert a.ckpt --out b.qfm", "inspect a.qfm", "run a.qfm --input x.npy --out y.npz",
                                     "bench a.qfm", "compress a.qfm --out b.qfm"};

class ConventionsCli : public Cli {
 protected:
  Result Run(const std::string& args) { return RunQforge(args, dir_); }
  json JsonOf(const std::string& args) {
    Result r = Run(args + " --json");
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    return OnlyJson(r);
  }
};

TEST_F(ConventionsCli, EveryCommandsJsonIsOneObjectOnStdout) {
  const std::string ckpt = Out("mlp/model.ckpt"), qat = Out("qat/model.ckpt");
  EXPECT_TRUE(JsonOf("train --model mlp --epochs 1 --threads 1 " + Data() + " --out " + ckpt).contains("test_accuracy"));
  const json t = JsonOf("train --init " + ckpt + " --qat --epochs 1 --threads 1 " + Data() + " --out " + qat);
  EXPECT_EQ(t.at("qfm").get<std::string>(), Out("qat/model.qfm"));  // beside the checkpoint
  EXPECT_TRUE(fs::exists(Out("qat/model.qfm")));
  EXPECT_EQ(JsonOf("eval " + ckpt + " " + Out("qat/model.qfm") + " " + Data()).at("models").size(), 2u);
  EXPECT_EQ(JsonOf("models").at("models").size(), 4u);
  EXPECT_EQ(JsonOf("quantize " + ckpt + " --mode int8 " + Data() + " --out " + Out("int8.qfm")).at("mode"), "int8");
  EXPECT_TRUE(JsonOf("convert " + qat + " --out " + Out("qat.qfm")).contains("model_bytes"));
  const json inspect = JsonOf("inspect " + Out("int8.qfm"));
  EXPECT_EQ(inspect.at("arena").at("batch"), 64);  // the default batch
  EXPECT_EQ(inspect.at("producer").get<std::string>().rfind("qforge 0.", 0), 0u);
  EXPECT_TRUE(JsonOf("compress " + Out("int8.qfm") + " --out " + Out("coded.qfm")).contains("compression_ratio"));
  const json bench = JsonOf("bench " + Out("int8.qfm") + " --batch 2 --threads 0,1 --min-seconds 0.02");
  EXPECT_EQ(bench.at("results").size(), 2u);
  EXPECT_GE(bench.at("results")[0].at("threads").get<int>(), 1);  // 0 = all cores, resolved
  EXPECT_EQ(bench.at("results")[1].at("threads"), 1);
  // A bare .npy (of uint8 pixels) for a one-input model; the output's dtype and shape in the JSON.
  const qforge::NpyArray x{qforge::NpyType::kUInt8, {3, 28, 28, 1}, std::vector<uint8_t>(3 * 784, 7)};
  const std::vector<uint8_t> npy = qforge::SerializeNpy(x);
  std::ofstream(Out("x.npy"), std::ios::binary).write(reinterpret_cast<const char*>(npy.data()), npy.size());
  const json run = JsonOf("run " + Out("int8.qfm") + " --input " + Out("x.npy") + " --out " + Out("y.npz"));
  EXPECT_EQ(run.at("batch"), 3);
  EXPECT_EQ(run.at("outputs").at(0).at("shape"), json::array({3, 10}));
}

TEST_F(ConventionsCli, WrongCommandLinesExit2WithOneLine) {
  for (const char* command : kInvocations) {
    SCOPED_TRACE(command);
    ExpectUsageError(Run(std::string(command) + " --no-such-flag"), "no-such-flag");
  }
  for (const char* command : {"train --model mlp", "eval a.ckpt", "run a.qfm --input x.npy --out y.npz",
                              "bench a.qfm", "compress a.qfm --out b.qfm"}) {
    SCOPED_TRACE(command);
    ExpectUsageError(Run(std::string(command) + " --threads -1"), "--threads");
    ExpectUsageError(Run(std::string(command) + " --threads many"), "--threads");
  }
  for (const char* command : {"train --model mlp", "eval a.ckpt", "inspect a.qfm", "bench a.qfm",
                              "compress a.qfm --out b.qfm"}) {
    SCOPED_TRACE(command);
    ExpectUsageError(Run(std::string(command) + " --batch 0"), "--batch");
    ExpectUsageError(Run(std::string(command) + " --batch 100000"), "--batch");
  }
  ExpectUsageError(Run("run a.qfm --input x.npy --out y.txt"), ".npz");
  ExpectUsageError(Run("run a.qfm --out y.npz"), "--input");
  ExpectUsageError(Run("quantize a.ckpt --mode int8"), "--out");
  // The same commands with their flags right but files missing: the work fails, exit 1.
  ExpectFailure(Run("inspect " + Out("a.qfm")), "a.qfm");
  ExpectFailure(Run("run " + Out("a.qfm") + " --input x.npy --out y.npz"), "a.qfm");
}

TEST_F(ConventionsCli, HelpEndsWithExamplesAndListsTheEnvironment) {
  for (const char* command : kCommands) {
    SCOPED_TRACE(command);
    const Result r = Run(std::string(command) + " --help");
    EXPECT_EQ(r.exit_code, 0);
    const size_t examples = r.out.find("Examples:");
    ASSERT_NE(examples, std::string::npos) << r.out;
    EXPECT_NE(r.out.find(std::string("qforge ") + command, examples), std::string::npos);
  }
  const Result help = Run("--help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* text : {"QFORGE_ISA", "QFORGE_VERBOSE", "Conventions"}) EXPECT_NE(help.out.find(text), std::string::npos);
  const Result version = Run("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("qforge 0.", 0), 0u) << version.out;
}

void WriteTwoInputModel(const std::string& path) {
  const std::vector<uint8_t> bytes = qforge::runtime::test_models::AddAndQuantizeModel();
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// An array of `type` holding `values`, shaped `shape`.
qforge::NpyArray Array(qforge::NpyType type, qforge::Shape shape, const std::vector<double>& values) {
  qforge::NpyArray a;
  a.type = type;
  a.shape = std::move(shape);
  const int width = qforge::NpyTypeSize(type);
  for (double v : values) {
    uint8_t bytes[8] = {};
    switch (type) {
      case qforge::NpyType::kInt8: bytes[0] = static_cast<uint8_t>(static_cast<int8_t>(v)); break;
      case qforge::NpyType::kUInt8: bytes[0] = static_cast<uint8_t>(v); break;
      case qforge::NpyType::kInt16: { const int16_t x = static_cast<int16_t>(v); std::memcpy(bytes, &x, 2); break; }
      case qforge::NpyType::kInt32: { const int32_t x = static_cast<int32_t>(v); std::memcpy(bytes, &x, 4); break; }
      case qforge::NpyType::kInt64: { const int64_t x = static_cast<int64_t>(v); std::memcpy(bytes, &x, 8); break; }
      case qforge::NpyType::kFloat16: { const uint16_t x = qforge::runtime::FloatToHalf(static_cast<float>(v)); std::memcpy(bytes, &x, 2); break; }
      case qforge::NpyType::kFloat32: { const float x = static_cast<float>(v); std::memcpy(bytes, &x, 4); break; }
      case qforge::NpyType::kFloat64: std::memcpy(bytes, &v, 8); break;
    }
    a.data.insert(a.data.end(), bytes, bytes + width);
  }
  return a;
}

void WriteNpyFile(const std::string& path, const qforge::NpyArray& a) {
  const std::vector<uint8_t> bytes = qforge::SerializeNpy(a);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// A write past the file-size limit (ulimit -f; a full disk fails the same write) is failed work
// with a clear message, not death by SIGXFSZ, and the file it would have replaced is unchanged.
TEST_F(ConventionsCli, AWritePastTheFileSizeLimitFailsAndKeepsTheOldFile) {
  const std::string ckpt = Out("model.ckpt");
  std::ofstream(ckpt) << "the previous checkpoint";
  // dash counts 512-byte blocks: 4 KiB, room for the messages but not for the checkpoint.
  const Result r = RunQforge("train --model mlp --epochs 1 --threads 1 " + Data() + " --out " + ckpt, dir_, "ulimit -f 8; ");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("qforge train: error: " + ckpt + ": not written: writing failed (File too large); the existing "
                       "file is unchanged"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(Slurp(ckpt), "the previous checkpoint");
  for (const auto& entry : fs::directory_iterator(dir_))
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << entry.path();
}

// Files the fuzzers found crashing qforge (fuzz/regressions/; docs/reliability.md): each is now
// failed work with one error line naming what is wrong.
TEST_F(ConventionsCli, FilesTheFuzzersFoundAreClearErrors) {
  const std::string regressions = QFORGE_FUZZ_REGRESSIONS;
  fs::copy_file(regressions + "/onnx/mul-with-one-input", Out("m.onnx"));
  ExpectFailure(Run("import " + Out("m.onnx") + " --out " + Out("m.ckpt")), "Mul (not valid ONNX: Node (/Mul_1) has input size 1");
  ExpectFailure(Run("inspect " + regressions + "/qfm/misaligned-int64-zero-points"), "quantization parameters are not aligned");
  ExpectFailure(Run("inspect " + regressions + "/qfm/options-type-without-options"),
                "operator 0 (CONV_2D) names its options but has none");
  fs::copy_file(regressions + "/tflite/misaligned-int64-zero-points", Out("z.tflite"));
  ExpectFailure(Run("import " + Out("z.tflite") + " --out " + Out("z.qfm")), "zero points are not aligned (a damaged file)");
  fs::copy_file(regressions + "/tflite/constant-operand-and-a-missing-one", Out("r.tflite"));
  ExpectFailure(Run("import " + Out("r.tflite") + " --out " + Out("r.qfm")), "operator 11 (RELU): an input it needs is missing");
  fs::copy_file(regressions + "/tflite/slice-size-overflows", Out("s.tflite"));
  ExpectFailure(Run("import " + Out("s.tflite") + " --out " + Out("s.qfm")),
                "operator 20 (SLICE): the slice (begin 2147483646, size 4) does not lie within axis 3 of size 32");
  fs::copy_file(regressions + "/tflite/zero-point-near-int64-min", Out("p.tflite"));
  ExpectFailure(Run("import " + Out("p.tflite") + " --out " + Out("p.qfm")),
                "tensor '/grouped/Conv' has zero point 936748722493063040, outside [-128, 127]");
}

TEST_F(ConventionsCli, RunTakesEveryInputByNameAndWritesEveryOutput) {
  using qforge::NpyType;
  const std::string model = Out("two.qfm");
  WriteTwoInputModel(model);
  const std::vector<double> a_values{1, -2, 0.25, 3, 4, -1};
  const std::vector<double> b_values{10, 20, 30, 40, 50, 60};
  WriteNpyFile(Out("b.npy"), Array(NpyType::kFloat64, {2, 3}, b_values));
  for (NpyType type : {NpyType::kInt8, NpyType::kInt16, NpyType::kInt32, NpyType::kInt64, NpyType::kFloat16,
                       NpyType::kFloat32, NpyType::kFloat64}) {
    SCOPED_TRACE(qforge::NpyTypeName(type));
    std::vector<double> a = a_values;
    if (qforge::NpyTypeIsInteger(type)) a[2] = 0;  // integer arrays hold integers
    WriteNpyFile(Out("a.npy"), Array(type, {2, 3}, a));
    const Result r = Run("run " + model + " --input a=" + Out("a.npy") + " --input b=" + Out("b.npy") + " --out " +
                         Out("out.npz"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto outputs = qforge::ReadArrays(Out("out.npz"));
    ASSERT_TRUE(outputs.ok()) << outputs.status().message();
    ASSERT_EQ(outputs->size(), 2u);
    EXPECT_EQ((*outputs)[0].name, "sum");
    EXPECT_EQ((*outputs)[0].array.type, NpyType::kFloat32);
    EXPECT_EQ((*outputs)[0].array.shape, (qforge::Shape{2, 3}));
    EXPECT_EQ((*outputs)[1].name, "a/quantized");
    EXPECT_EQ((*outputs)[1].array.type, NpyType::kInt8);
    for (int i = 0; i < 6; ++i) {
      EXPECT_EQ((*outputs)[0].array.At(i), a[i] + b_values[i]) << i;
      EXPECT_EQ((*outputs)[1].array.At(i), std::round(a[i] / 0.5) - 3) << i;
    }
  }
  // One .npz holding both inputs by name gives the same.
  ASSERT_TRUE(qforge::WriteNpz(Out("in.npz"), {{"b", Array(NpyType::kFloat32, {2, 3}, b_values)},
                                               {"a", Array(NpyType::kFloat32, {2, 3}, a_values)}})
                  .ok());
  const json r = JsonOf("run " + model + " --input " + Out("in.npz") + " --out " + Out("out2.npz"));
  EXPECT_EQ(r.at("outputs").size(), 2u);
  EXPECT_EQ(r.at("outputs")[1].at("dtype"), "int8");
  auto outputs = qforge::ReadArrays(Out("out2.npz"));
  ASSERT_TRUE(outputs.ok());
  EXPECT_EQ((*outputs)[0].array.At(2), 30.25);

  const std::string b = " --input b=" + Out("b.npy");
  ExpectFailure(Run("run " + model + b + " --out " + Out("o.npz")), "input 'a' of " + model + " is not given");
  ExpectFailure(Run("run " + model + b + " --input c=" + Out("a.npy") + " --out " + Out("o.npz")), "has no input 'c'");
  ExpectFailure(Run("run " + model + " --input " + Out("a.npy") + " --out " + Out("o.npz")), "has 2 inputs");
  ExpectFailure(Run("run " + model + b + " --input a=" + Out("a.npy") + " --out " + Out("o.npy")), "has 2 outputs");
  ExpectFailure(Run("run " + model + b + " --input b=" + Out("b.npy") + " --out " + Out("o.npz")), "given twice");
  WriteNpyFile(Out("a1.npy"), Array(NpyType::kFloat32, {1, 3}, {1, 2, 3}));
  ExpectFailure(Run("run " + model + b + " --input a=" + Out("a1.npy") + " --out " + Out("o.npz")), "differs");
  WriteNpyFile(Out("a4.npy"), Array(NpyType::kFloat32, {2, 4}, std::vector<double>(8, 1.0)));
  ExpectFailure(Run("run " + model + b + " --input a=" + Out("a4.npy") + " --out " + Out("o.npz")), "[N, 3]");
  std::ofstream(Out("junk.npz"), std::ios::binary) << "PK\x03\x04 not really a zip";
  ExpectFailure(Run("run " + model + " --input " + Out("junk.npz") + " --out " + Out("o.npz")), "junk.npz");
}

}  // namespace
