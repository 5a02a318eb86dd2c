// The runtime API example of docs/runtime.md, compiled and run: it uses only the public
// qforge/runtime.h. A tiny model is written first with ModelWriter so the example has a file.
#include <gtest/gtest.h>

#include <algorithm>
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
  QF_ASSIGN_OR_RETURN(qforge::Model model, qforge::Model::Load(path));
  qforge::InterpreterOptions options;
  options.batch_size = batch;
  QF_ASSIGN_OR_RETURN(qforge::Interpreter interpreter, qforge::Interpreter::Create(model, options));
  // e.g. [batch, 28, 28, 1] float32, NHWC; SetInput checks the byte count.
  QF_RETURN_IF_ERROR(interpreter.SetInput(0, images.data(), images.size() * sizeof(float)));
  QF_RETURN_IF_ERROR(interpreter.Invoke());
  // [batch, classes]; OutputData checks the type.
  QF_ASSIGN_OR_RETURN(qforge::TensorView<const float> scores, interpreter.OutputData<float>(0));
  const int classes = interpreter.output(0).shape[1];
  std::vector<int> predictions;
  for (int b = 0; b < batch; ++b) {
    const float* row = scores.data() + b * classes;
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
