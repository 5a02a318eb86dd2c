// Image classification datasets held as raw uint8 pixels, the preprocessing that turns them
// into model inputs, and a seeded shuffling batch iterator with optional augmentation.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/status.h"
#include "core/tensor.h"

namespace qforge {

struct ImageDataset {
  int64_t count = 0, channels = 1, height = 0, width = 0;
  std::vector<uint8_t> pixels;  // count x channels x height x width
  std::vector<int32_t> labels;
  int num_classes = 0;
  std::vector<std::string> class_names;
};

struct TrainTestData {
  ImageDataset train, test;
};

// Model input = (pixel * scale - mean) / std. Stored in checkpoints so eval needs no flags.
struct Preprocess {
  float scale = 1.0f / 255.0f;
  float mean = 0.0f;
  float std = 1.0f;
  float Apply(int pixel) const { return (pixel * scale - mean) / std; }
  nlohmann::json ToJson() const { return {{"scale", scale}, {"mean", mean}, {"std", std}}; }
  static StatusOr<Preprocess> FromJson(const nlohmann::json& j);
};

// The folder the Debian package dataset-fashion-mnist installs.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// Loads {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] from `dir`, validating that images
// and labels agree in count and that labels are in range.
StatusOr<TrainTestData> LoadMnistStyle(const std::string& dir,
                                       const std::vector<std::string>& class_names);
StatusOr<TrainTestData> LoadFashionMnist(const std::string& dir);
// Per-pixel mean and standard deviation of a dataset after `scale`.
Preprocess ComputeNormalization(const ImageDataset& d, float scale = 1.0f / 255.0f);

// Writes examples indices[0..count) preprocessed, in NHWC order (the runtime's layout), to
// out[count * height * width * channels].
void PreprocessNhwc(const ImageDataset& d, const Preprocess& pre, const int64_t* indices, int64_t count,
                    float* out);

struct Augment {
  int64_t crop_padding = 0;  // random crop after zero-padding by this many pixels
  bool horizontal_flip = false;
};

class BatchIterator {
 public:
  // Visits every example once per epoch, in an order drawn from `seed` when shuffling.
  BatchIterator(const ImageDataset& data, const Preprocess& pre, int64_t batch_size,
                bool shuffle, uint64_t seed, Augment augment = {});
  // Fills the next batch (the last one may be smaller); false when the epoch is done.
  bool Next(Tensor* images, std::vector<int32_t>* labels);
  int64_t num_batches() const { return (data_.count + batch_ - 1) / batch_; }

 private:
  void CopyExample(int64_t index, float* dst);

  const ImageDataset& data_;
  Preprocess pre_;
  int64_t batch_;
  Augment augment_;
  Rng rng_;
  std::vector<int64_t> order_;
  int64_t pos_ = 0;
  float lut_[256];  // pixel value -> model input
};

}  // namespace qforge
