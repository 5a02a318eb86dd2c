// The public C++ runtime facade (qforge/runtime.h): tensor descriptions, typed views, inputs by
// name, options, errors; and .qfm files written by qforge 0.5.0 still load and compute the
// outputs recorded then (testdata/).
#include "qforge/runtime.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "runtime/kernels/dispatch.h"
#include "runtime/model/test_models.h"

namespace qforge {
namespace {

StatusOr<Model> AddAndQuantizeModel() {
  const std::vector<uint8_t> bytes = runtime::test_models::AddAndQuantizeModel();
  return Model::FromBytes(bytes.data(), bytes.size(), "written model");
}

std::string Message(const Status& s) { return s.message(); }

// "ref, avx2, ..." — the ISA names this build's architecture accepts.
std::string ArchitectureIsaNames() {
  std::string names;
  for (runtime::Isa isa : runtime::ArchitectureIsas()) names += (names.empty() ? "" : ", ") + std::string(runtime::IsaName(isa));
  return names;
}

TEST(RuntimeApi, DescribesFillsAndReadsTensors) {
  auto model = AddAndQuantizeModel();
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ(model->producer(), QFORGE_PRODUCER);
  EXPECT_EQ(model->format_version(), 1u);
  InterpreterOptions options;
  options.batch_size = 2;
  auto interpreter = Interpreter::Create(*model, options);
  ASSERT_TRUE(interpreter.ok()) << interpreter.status().message();
  ASSERT_EQ(interpreter->num_inputs(), 2);
  ASSERT_EQ(interpreter->num_outputs(), 2);
  const TensorInfo& a = interpreter->input(0);
  EXPECT_EQ(a.name, "a");
  EXPECT_EQ(a.dtype, DType::kFloat32);
  EXPECT_EQ(a.shape, (std::vector<int>{2, 3}));
  EXPECT_EQ(a.elements, 6);
  EXPECT_EQ(a.bytes, 24);
  EXPECT_FALSE(a.quantized());
  const TensorInfo& q = interpreter->output(1);
  EXPECT_EQ(q.dtype, DType::kInt8);
  ASSERT_TRUE(q.quantized());
  EXPECT_EQ(q.scale, std::vector<float>{0.5f});
  EXPECT_EQ(q.zero_point, std::vector<int64_t>{-3});

  auto b_index = interpreter->InputIndex("b");
  ASSERT_TRUE(b_index.ok());
  EXPECT_EQ(*b_index, 1);
  auto a_view = interpreter->InputData<float>(0);
  ASSERT_TRUE(a_view.ok());
  ASSERT_EQ(a_view->size(), 6);
  const std::vector<float> a_values{1, -2, 0.25f, 3, 4, -1};
  std::copy(a_values.begin(), a_values.end(), a_view->begin());
  const std::vector<float> b_values{10, 20, 30, 40, 50, 60};
  ASSERT_TRUE(interpreter->SetInput(*b_index, b_values.data(), b_values.size() * sizeof(float)).ok());
  ASSERT_TRUE(interpreter->Invoke().ok());

  auto y = interpreter->OutputData<float>(0);
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(std::vector<float>(y->begin(), y->end()), (std::vector<float>{11, 18, 30.25f, 43, 54, 59}));
  std::vector<int8_t> q_values(6);
  ASSERT_TRUE(interpreter->GetOutput(1, q_values.data(), q_values.size()).ok());
  // round(x / 0.5) - 3, half away from zero: 0.25 / 0.5 = 0.5 -> 1.
  EXPECT_EQ(q_values, (std::vector<int8_t>{-1, -7, -2, 3, 5, -5}));
  EXPECT_EQ(interpreter->kernel_names().size(), 2u);
  EXPECT_GT(interpreter->arena_bytes(), 0);
}

TEST(RuntimeApi, WrongTypesNamesSizesAndOptionsAreErrors) {
  auto model = AddAndQuantizeModel();
  ASSERT_TRUE(model.ok());
  auto interpreter = Interpreter::Create(*model);
  ASSERT_TRUE(interpreter.ok());
  EXPECT_EQ(Message(interpreter->InputData<int8_t>(0).status()), "input 'a' is float32, not int8");
  EXPECT_EQ(Message(interpreter->OutputData<float>(1).status()), "output 'a/quantized' is int8, not float32");
  EXPECT_EQ(Message(interpreter->InputData<float>(2).status()), "input 2 does not exist");
  EXPECT_EQ(Message(interpreter->InputIndex("c").status()), "the model has no input 'c' (it has 'a', 'b')");
  EXPECT_EQ(interpreter->OutputIndex("c").status().code(), StatusCode::kNotFound);
  const float one = 1.0f;
  EXPECT_FALSE(interpreter->SetInput(0, &one, sizeof(one)).ok());
  EXPECT_FALSE(interpreter->SetInput(0, nullptr, 12).ok());
  float out[2];
  EXPECT_FALSE(interpreter->GetOutput(0, out, sizeof(out)).ok());
  EXPECT_FALSE(interpreter->GetOutput(5, out, sizeof(out)).ok());

  InterpreterOptions bad;
  bad.max_isa = "sse9";
  EXPECT_EQ(Message(Interpreter::Create(*model, bad).status()),
            "unknown ISA 'sse9' for this architecture (" + ArchitectureIsaNames() + ")");
  bad = {};
  bad.batch_size = 0;
  EXPECT_FALSE(Interpreter::Create(*model, bad).ok());
  InterpreterOptions reference;
  reference.max_isa = "ref";
  auto ref = Interpreter::Create(*model, reference);
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->isa(), "ref");
}

TEST(RuntimeApi, BadFilesAreStatusesNotCrashes) {
  EXPECT_EQ(Model::Load("/nonexistent/model.qfm").status().code(), StatusCode::kNotFound);
  const std::vector<uint8_t> junk(64, 0xAB);
  EXPECT_EQ(Model::FromBytes(junk.data(), junk.size(), "junk").status().code(), StatusCode::kDataLoss);
  EXPECT_FALSE(Model::FromBytes(nullptr, 16).ok());
}

TEST(RuntimeApi, DTypeNamesAndSizes) {
  EXPECT_STREQ(DTypeName(DType::kFloat16), "float16");
  EXPECT_EQ(DTypeSize(DType::kFloat32), 4);
  EXPECT_EQ(DTypeSize(DType::kInt8), 1);
  EXPECT_EQ(DTypeSize(DType::kInt64), 8);
}

std::vector<char> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

// Files written by qforge 0.5.0 (before the version was recorded) load, and compute bit for bit
// the outputs recorded then, on every ISA this machine has.
TEST(RuntimeApi, FilesFromQforge050StillLoadAndComputeTheSame) {
  const std::string dir = QFORGE_API_TESTDATA;
  const std::vector<char> input = ReadFile(dir + "/lenet5_input.bin");
  ASSERT_EQ(input.size(), 2u * 28 * 28 * sizeof(float));
  for (const char* name : {"lenet5_int8_0.5.0", "lenet5_int8_coded_0.5.0"}) {
    SCOPED_TRACE(name);
    auto model = Model::Load(dir + "/" + name + ".qfm");
    ASSERT_TRUE(model.ok()) << model.status().message();
    EXPECT_EQ(model->producer(), "qforge");
    const std::vector<char> expected = ReadFile(dir + "/" + name + "_output.bin");
    ASSERT_EQ(expected.size(), 2u * 10 * sizeof(float));
    for (runtime::Isa isa_value : runtime::ArchitectureIsas()) {
      const char* isa = runtime::IsaName(isa_value);
      InterpreterOptions options;
      options.batch_size = 2;
      options.max_isa = isa;
      auto interpreter = Interpreter::Create(*model, options);
      ASSERT_TRUE(interpreter.ok()) << interpreter.status().message();
      ASSERT_TRUE(interpreter->SetInput(0, input.data(), input.size()).ok());
      ASSERT_TRUE(interpreter->Invoke().ok());
      std::vector<char> output(expected.size());
      ASSERT_TRUE(interpreter->GetOutput(0, output.data(), output.size()).ok());
      EXPECT_EQ(output, expected) << "on " << interpreter->isa();
    }
  }
}

}  // namespace
}  // namespace qforge
