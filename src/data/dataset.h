// Image classification datasets held as raw 8-bit pixels or float values, the preprocessing
// that turns them into model inputs, and a seeded shuffling batch iterator with optional
// augmentation. Loaders: IDX here, arrays in data/array_dataset.h, image folders in
// data/image_folder.h; data/conform.h fits a dataset to a model's input.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/rng.h"
#include "core/status.h"
#include "core/tensor.h"
#include "data/example_source.h"

namespace qforge {

struct ImageDataset {
  int64_t count = 0, channels = 1, height = 0, width = 0;
  // count x channels x height x width: 8-bit pixels, or (floating) values taken as they are.
  bool floating = false;
  std::vector<uint8_t> pixels;
  std::vector<float> values;
  // Streamed: no pixels in memory; examples are read from here as batches need them (only
  // BatchIterator reads a streamed dataset; the other functions here take in-memory data).
  std::shared_ptr<const ExampleSource> source;
  bool streamed() const { return source != nullptr; }
  std::vector<int32_t> labels;  // empty for unlabelled data (calibration only)
  int num_classes = 0;
  std::vector<std::string> class_names;
  int64_t example_size() const { return channels * height * width; }
  bool labelled() const { return labels.size() == static_cast<size_t>(count) && count > 0; }
};

// Examples [first, first + count) of a data set (clamped to it), labels and class names kept.
ImageDataset SliceExamples(const ImageDataset& data, int64_t first, int64_t count);
// A streamed data set's examples in memory: at most `count`, spread evenly over it (e.g. to
// measure its normalization). An in-memory data set is returned whole.
StatusOr<ImageDataset> SpreadSample(const ImageDataset& data, int64_t count);

struct TrainTestData {
  ImageDataset train, test;
};

// Model input of channel c = (x - mean[c]) / std[c], where x = pixel * scale for 8-bit pixels
// and the value itself for float data; mean and std hold one value for every channel or one
// per channel. `resize` > 0: images are first resized (shorter side to `resize`) and centre-
// cropped to the model's input (data/conform.h). Stored in checkpoints and .qfm metadata, so
// eval and quantize need no flags.
struct Preprocess {
  float scale = 1.0f / 255.0f;
  std::vector<float> mean{0.0f};
  std::vector<float> std{1.0f};
  int64_t resize = 0;
  float Mean(int64_t channel) const { return mean.size() == 1 ? mean[0] : mean[channel]; }
  float Std(int64_t channel) const { return std.size() == 1 ? std[0] : std[channel]; }
  float Apply(int pixel, int64_t channel = 0) const { return (pixel * scale - Mean(channel)) / Std(channel); }
  float ApplyValue(float value, int64_t channel) const { return (value - Mean(channel)) / Std(channel); }
  // The model inputs 8-bit pixels 0..255 of every channel can give: [lowest, highest].
  std::pair<float, float> PixelRange(int64_t channels) const;
  // An error unless mean/std have 1 or `channels` entries.
  Status CheckChannels(int64_t channels) const;
  nlohmann::json ToJson() const;
  static StatusOr<Preprocess> FromJson(const nlohmann::json& j);
};

// The folder the Debian package dataset-fashion-mnist installs.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// Loads {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] from `dir`, validating that images
// and labels agree in count and that labels are in range.
StatusOr<TrainTestData> LoadMnistStyle(const std::string& dir,
                                       const std::vector<std::string>& class_names);
StatusOr<TrainTestData> LoadFashionMnist(const std::string& dir);
// Mean and standard deviation of each channel of a dataset (8-bit pixels after `scale`); one
// value when all channels agree (a gray image replicated to RGB).
Preprocess ComputeNormalization(const ImageDataset& d, float scale = 1.0f / 255.0f);

// Turns stored examples into model inputs (a table per channel for 8-bit pixels).
class InputMapper {
 public:
  InputMapper(const ImageDataset& d, const Preprocess& pre);
  void ExampleNchw(int64_t index, float* dst) const;  // channels x height x width
  void PixelsNchw(const uint8_t* pixels, float* dst) const;  // one example's 8-bit pixels
  float Zero(int64_t channel) const;                   // the input a raw 0 (padding) becomes

 private:
  const ImageDataset& data_;
  Preprocess pre_;
  std::vector<float> lut_;  // channels x 256
};

// Writes examples indices[0..count) preprocessed, in NHWC order (the runtime's layout), to
// out[count * height * width * channels].
void PreprocessNhwc(const ImageDataset& d, const Preprocess& pre, const int64_t* indices, int64_t count,
                    float* out);

struct Augment {
  int64_t crop_padding = 0;  // random crop after zero-padding by this many pixels
  bool horizontal_flip = false;
  bool any() const { return crop_padding > 0 || horizontal_flip; }
};

// Writes `example` (channels x height x width model inputs) augmented into dst: a crop offset
// and a flip drawn from `rng`; pixels from outside the image are `zero` of their channel.
void AugmentExample(const float* example, int64_t channels, int64_t height, int64_t width, const Augment& augment,
                    const InputMapper& mapper, Rng& rng, float* dst);

// An example's model inputs into dst: `map` writes them (channels x height x width), augmented
// when `augment` asks (drawn from augment_seed and the example's place in the epoch; `scratch`
// holds the unaugmented inputs).
template <typename MapInputs>
void ExampleInputs(const InputMapper& mapper, int64_t channels, int64_t height, int64_t width, const Augment& augment,
                   uint64_t augment_seed, int64_t place, std::vector<float>& scratch, MapInputs&& map, float* dst) {
  if (!augment.any()) {
    map(dst);
    return;
  }
  scratch.resize(static_cast<size_t>(channels * height * width));
  map(scratch.data());
  Rng rng(DeriveSeed(augment_seed, static_cast<uint64_t>(place)));
  AugmentExample(scratch.data(), channels, height, width, augment, mapper, rng, dst);
}

class BatchPrefetcher;

// Streamed datasets: how far ahead BatchIterator reads (batches) and on how many threads.
struct Prefetch {
  int depth = 4, threads = 2;
};

// Data-parallel training: rank `index` of `count` takes its part of every global batch.
struct Shard {
  int index = 0, count = 1;
};

// Batches per epoch of `count` examples in global batches of batch x shards (BatchIterator).
int64_t BatchesPerEpoch(int64_t count, int64_t batch, int shards = 1);

class BatchIterator {
 public:
  // Visits every example once per epoch, in an order drawn from `seed` when shuffling, in
  // batches of batch_size. With a shard of count > 1, batches are global batches of
  // count x batch_size examples (the order is the same for every count), of which this shard
  // gets the part [index * n / count, (index + 1) * n / count); a last global batch smaller
  // than `count` is left out, so no shard is ever empty. An example's augmentation is drawn
  // from the seed and its place in the epoch, whichever shard gets it.
  // A streamed dataset's batches are read, mapped and augmented on `prefetch.threads` threads,
  // `prefetch.depth` batches ahead.
  BatchIterator(const ImageDataset& data, const Preprocess& pre, int64_t batch_size,
                bool shuffle, uint64_t seed, Augment augment = {}, Shard shard = {}, Prefetch prefetch = {});
  ~BatchIterator();
  // Fills the next batch (the last one may be smaller); false when the epoch is done or reading
  // a streamed example failed (status() says which).
  bool Next(Tensor* images, std::vector<int32_t>* labels);
  int64_t num_batches() const;
  const Status& status() const { return status_; }

 private:
  // This shard's examples of the next global batch: [first, first + count) of the order.
  bool NextRange(int64_t* first, int64_t* count);
  void CopyExample(int64_t index, int64_t place, float* dst);

  const ImageDataset& data_;
  InputMapper mapper_;
  int64_t batch_;
  Augment augment_;
  Shard shard_;
  uint64_t augment_seed_;
  std::vector<int64_t> order_;
  int64_t pos_ = 0;
  std::vector<float> example_;  // one example before augmentation
  std::unique_ptr<BatchPrefetcher> prefetcher_;  // streamed datasets
  Status status_;
};

}  // namespace qforge
