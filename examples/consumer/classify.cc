// Classifies preprocessed images (float32 N x H x W x C, raw) with a .qfm model through the
// public C++ runtime API alone, and prints the accuracy against the labels (uint8, raw).
// Usage: classify MODEL.qfm IMAGES.f32 LABELS.u8
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <qforge/runtime.h>

namespace {

std::vector<char> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

qforge::Status Classify(const std::string& model_path, const std::string& images_path, const std::string& labels_path) {
  constexpr int kBatch = 100;
  QF_ASSIGN_OR_RETURN(qforge::Model model, qforge::Model::Load(model_path));
  qforge::InterpreterOptions options;
  options.batch_size = kBatch;
  QF_ASSIGN_OR_RETURN(qforge::Interpreter interpreter, qforge::Interpreter::Create(model, options));
  const qforge::TensorInfo& input = interpreter.input(0);
  const int classes = interpreter.output(0).shape.at(1);

  const std::vector<char> images = ReadFile(images_path);
  const std::vector<char> labels = ReadFile(labels_path);
  const size_t image_bytes = static_cast<size_t>(input.bytes) / kBatch;
  if (labels.empty() || labels.size() % kBatch != 0 || images.size() != labels.size() * image_bytes)
    return qforge::Status(qforge::StatusCode::kInvalidArgument, "images and labels do not match the model's input");
  int64_t correct = 0;
  for (size_t first = 0; first < labels.size(); first += kBatch) {
    QF_RETURN_IF_ERROR(interpreter.SetInput(0, images.data() + first * image_bytes, kBatch * image_bytes));
    QF_RETURN_IF_ERROR(interpreter.Invoke());
    QF_ASSIGN_OR_RETURN(qforge::TensorView<const float> scores, interpreter.OutputData<float>(0));
    for (int b = 0; b < kBatch; ++b) {
      const float* row = scores.data() + b * classes;
      correct += (std::max_element(row, row + classes) - row) == labels[first + b];
    }
  }
  std::printf("int8 accuracy %.4f on %zu images\n", static_cast<double>(correct) / labels.size(), labels.size());
  return qforge::Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: classify MODEL.qfm IMAGES.f32 LABELS.u8\n");
    return 2;
  }
  const qforge::Status status = Classify(argv[1], argv[2], argv[3]);
  if (!status.ok()) {
    std::fprintf(stderr, "classify: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
