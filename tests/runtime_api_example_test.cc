// The runtime API example of docs/runtime.md, compiled and run: it links only qforge_runtime.
// A tiny model is written first with ModelWriter so the example has a file to load.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "qforge/runtime.h"
#include "runtime/model/model_writer.h"

namespace {

// --- docs/runtime.md example begins ---
// Classifies `batch` images with a .qfm model; returns the predicted class of each.
qforge::StatusOr<std::vector<int>> Classify(const std::string& path, const std::vector<float>& images, int batch) {
  using namespace qforge::runtime;
  QF_ASSIGN_OR_RETURN(std::shared_ptr<const Model> model, Model::Load(path));
  QF_ASSIGN_OR_RETURN(std::unique_ptr<Interpreter> interpreter, Interpreter::Create(model, {batch}));
  const RuntimeTensor& input = interpreter->input(0);  // e.g. [batch, 28, 28, 1] FLOAT32, NHWC
  QF_RETURN_IF_ERROR(interpreter->SetInput(0, images.data(), static_cast<int64_t>(images.size() * sizeof(float))));
  QF_RETURN_IF_ERROR(interpreter->Invoke());
  const RuntimeTensor& output = interpreter->output(0);  // [batch, classes] FLOAT32
  const int classes = output.shape[1];
  std::vector<int> predictions;
  for (int b = 0; b < input.shape[0]; ++b) {
    const float* row = output.as<float>() + b * classes;
    predictions.push_back(static_cast<int>(std::max_element(row, row + classes) - row));
  }
  return predictions;
}
// --- docs/runtime.md example ends ---

TEST(RuntimeApiExample, ClassifiesWithALoadedModel) {
  // y = x * W^T with W = identity rows picking feature 2 for class 0, feature 0 for class 1.
  qforge::runtime::ModelWriter w;
  const int x = w.AddActivation("x", qforge::qfm::DType::FLOAT32, {1, 3});
  const int wt = w.AddConstant("w", qforge::qfm::DType::FLOAT32, {2, 3}, std::vector<float>{0, 0, 1, 1, 0, 0});
  const int y = w.AddActivation("y", qforge::qfm::DType::FLOAT32, {1, 2});
  qforge::qfm::OptionsUnion fc;
  fc.Set(qforge::qfm::FullyConnectedOptionsT{});
  w.AddOperator(qforge::qfm::OpType::FULLY_CONNECTED, {x, wt, -1}, {y}, std::move(fc));
  w.SetInputs({x});
  w.SetOutputs({y});
  const std::string path = ::testing::TempDir() + "runtime_api_example.qfm";
  const std::vector<uint8_t> bytes = w.Serialize();
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());

  auto predictions = Classify(path, {0.1f, 0.2f, 0.9f, 0.8f, 0.1f, 0.3f}, 2);
  ASSERT_TRUE(predictions.ok()) << predictions.status().message();
  EXPECT_EQ(*predictions, (std::vector<int>{0, 1}));
  // Bad input is a Status, not a crash.
  auto wrong = Classify(path, {1.0f, 2.0f}, 2);
  EXPECT_NE(wrong.status().message().find("takes 24 bytes, got 8"), std::string::npos);
  EXPECT_EQ(Classify(path + ".missing", {}, 1).status().code(), qforge::StatusCode::kNotFound);
  std::remove(path.c_str());
}

}  // namespace
