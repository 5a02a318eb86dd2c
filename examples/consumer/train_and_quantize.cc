// Trains a zoo model on Fashion-MNIST for one epoch, quantizes it to int8 after training and
// writes model.qfm, the preprocessed test images (test_images.f32: float32, N x 28 x 28 x 1)
// and their labels (test_labels.u8) into OUT_DIR, then prints the int8 model's test accuracy
// as qforge's own evaluation computes it. Uses only the installed qforge::qforge.
// Usage: train_and_quantize MODEL OUT_DIR
#include <cstdio>
#include <fstream>
#include <string>

#include <qforge/quant.h>
#include <qforge/train.h>

namespace {

qforge::Status Write(const std::string& path, const void* data, size_t bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  if (!out) return qforge::Status(qforge::StatusCode::kInvalidArgument, "cannot write " + path);
  return qforge::Status::Ok();
}

qforge::Status Run(const std::string& model_name, const std::string& out_dir) {
  const qforge::ZooModel* zoo = qforge::FindZooModel(model_name);
  if (zoo == nullptr) return qforge::Status(qforge::StatusCode::kNotFound, "no zoo model " + model_name);
  QF_ASSIGN_OR_RETURN(qforge::TrainTestData data, qforge::LoadFashionMnist(qforge::kFashionMnistDir));
  qforge::Checkpoint run;
  QF_ASSIGN_OR_RETURN(run.graph, zoo->build(/*seed=*/1));
  run.meta.model_name = zoo->name;
  run.meta.preprocess = qforge::ComputeNormalization(data.train);
  run.meta.class_names = data.train.class_names;
  qforge::TrainOptions train;
  train.epochs = 1;
  train.batch = zoo->recipe.batch;
  train.optimizer.type = zoo->recipe.optimizer;
  train.schedule.base_lr = zoo->recipe.lr;
  QF_ASSIGN_OR_RETURN(auto history, qforge::Train(run, data, train, /*progress=*/nullptr));
  std::printf("float test accuracy %.4f\n", history.back().test_accuracy);

  qforge::quant::PtqOptions ptq;  // int8, min/max calibration on 1000 training images
  QF_ASSIGN_OR_RETURN(std::vector<uint8_t> qfm, qforge::quant::QuantizeCheckpoint(run, &data.train, ptq));
  QF_RETURN_IF_ERROR(Write(out_dir + "/model.qfm", qfm.data(), qfm.size()));

  const qforge::ImageDataset& test = data.test;
  std::vector<float> images(test.pixels.size());
  for (size_t i = 0; i < images.size(); ++i) images[i] = run.meta.preprocess.Apply(test.pixels[i]);
  std::vector<uint8_t> labels(test.labels.begin(), test.labels.end());
  QF_RETURN_IF_ERROR(Write(out_dir + "/test_images.f32", images.data(), images.size() * sizeof(float)));
  QF_RETURN_IF_ERROR(Write(out_dir + "/test_labels.u8", labels.data(), labels.size()));

  QF_ASSIGN_OR_RETURN(auto model, qforge::runtime::Model::FromBytes(qfm.data(), qfm.size(), "model.qfm"));
  QF_ASSIGN_OR_RETURN(auto int8, qforge::convert::EvaluateQfm(model, "model.qfm", test, /*batch=*/100, /*threads=*/1));
  std::printf("int8 accuracy %.4f on %lld images\n", int8.accuracy, static_cast<long long>(int8.count));
  return qforge::Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: train_and_quantize MODEL OUT_DIR\n");
    return 2;
  }
  const qforge::Status status = Run(argv[1], argv[2]);
  if (!status.ok()) {
    std::fprintf(stderr, "train_and_quantize: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
