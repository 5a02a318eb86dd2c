// Dataset loading, normalization statistics and batching.
#include "data/dataset.h"

#include <cmath>
#include <filesystem>
#include <numeric>

#include "data/idx.h"

namespace qforge {

StatusOr<Preprocess> Preprocess::FromJson(const nlohmann::json& j) {
  Preprocess p;
  try {
    p.scale = j.at("scale").get<float>();
    p.mean = j.at("mean").get<float>();
    p.std = j.at("std").get<float>();
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument("bad preprocessing description: {}", e.what());
  }
  if (!std::isfinite(p.scale) || !std::isfinite(p.mean) || !(p.std > 0) || !std::isfinite(p.std))
    return InvalidArgument("preprocessing scale/mean/std must be finite and std > 0");
  return p;
}

namespace {

std::string FindIdx(const std::string& dir, const std::string& stem) {
  for (const std::string& name : {stem + ".gz", stem}) {
    const std::string path = (std::filesystem::path(dir) / name).string();
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return path;
  }
  return (std::filesystem::path(dir) / (stem + ".gz")).string();  // reported as missing
}

StatusOr<ImageDataset> LoadSplit(const std::string& dir, const std::string& prefix,
                                 const std::vector<std::string>& class_names) {
  QF_ASSIGN_OR_RETURN(IdxArray images, ReadIdx(FindIdx(dir, prefix + "-images-idx3-ubyte")));
  const std::string labels_path = FindIdx(dir, prefix + "-labels-idx1-ubyte");
  QF_ASSIGN_OR_RETURN(IdxArray labels, ReadIdx(labels_path));
  if (images.dims.size() != 3) return DataLoss("{} images must be a rank-3 IDX array", prefix);
  if (labels.dims.size() != 1) return DataLoss("{} labels must be a rank-1 IDX array", prefix);
  if (images.dims[0] != labels.dims[0])
    return DataLoss("{}: {} images but {} labels", prefix, images.dims[0], labels.dims[0]);
  ImageDataset d;
  d.count = images.dims[0];
  d.height = images.dims[1];
  d.width = images.dims[2];
  d.pixels = std::move(images.data);
  d.num_classes = static_cast<int>(class_names.size());
  d.class_names = class_names;
  d.labels.reserve(d.count);
  for (uint8_t l : labels.data) {
    if (l >= d.num_classes)
      return DataLoss("{}: label {} out of range [0, {})", labels_path, int{l}, d.num_classes);
    d.labels.push_back(l);
  }
  return d;
}

}  // namespace

StatusOr<TrainTestData> LoadMnistStyle(const std::string& dir,
                                       const std::vector<std::string>& class_names) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return NotFound("dataset folder {} does not exist", dir);
  TrainTestData data;
  QF_ASSIGN_OR_RETURN(data.train, LoadSplit(dir, "train", class_names));
  QF_ASSIGN_OR_RETURN(data.test, LoadSplit(dir, "t10k", class_names));
  if (data.train.height != data.test.height || data.train.width != data.test.width)
    return DataLoss("train and test images differ in size");
  return data;
}

StatusOr<TrainTestData> LoadFashionMnist(const std::string& dir) {
  return LoadMnistStyle(dir, {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                              "Shirt", "Sneaker", "Bag", "Ankle boot"});
}

Preprocess ComputeNormalization(const ImageDataset& d, float scale) {
  double sum = 0, sq = 0;
  for (uint8_t p : d.pixels) {
    const double x = p * static_cast<double>(scale);
    sum += x;
    sq += x * x;
  }
  const double n = static_cast<double>(d.pixels.size());
  Preprocess pre;
  pre.scale = scale;
  pre.mean = static_cast<float>(sum / n);
  pre.std = static_cast<float>(std::sqrt(std::max(sq / n - (sum / n) * (sum / n), 1e-12)));
  return pre;
}

BatchIterator::BatchIterator(const ImageDataset& data, const Preprocess& pre, int64_t batch_size,
                             bool shuffle, uint64_t seed, Augment augment)
    : data_(data), pre_(pre), batch_(batch_size), augment_(augment), rng_(seed) {
  order_.resize(data.count);
  std::iota(order_.begin(), order_.end(), 0);
  if (shuffle)
    for (int64_t i = data.count - 1; i > 0; --i) std::swap(order_[i], order_[rng_.Below(i + 1)]);
  for (int v = 0; v < 256; ++v) lut_[v] = pre.Apply(v);
}

void PreprocessNhwc(const ImageDataset& d, const Preprocess& pre, const int64_t* indices, int64_t count,
                    float* out) {
  float lut[256];
  for (int v = 0; v < 256; ++v) lut[v] = pre.Apply(v);
  const int64_t c = d.channels, hw = d.height * d.width;
  for (int64_t i = 0; i < count; ++i) {
    const uint8_t* src = d.pixels.data() + indices[i] * c * hw;
    float* dst = out + i * c * hw;
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t p = 0; p < hw; ++p) dst[p * c + ch] = lut[src[ch * hw + p]];
  }
}

void BatchIterator::CopyExample(int64_t index, float* dst) {
  const int64_t c = data_.channels, h = data_.height, w = data_.width;
  const uint8_t* src = data_.pixels.data() + index * c * h * w;
  const int64_t pad = augment_.crop_padding;
  if (pad == 0 && !augment_.horizontal_flip) {
    for (int64_t i = 0; i < c * h * w; ++i) dst[i] = lut_[src[i]];
    return;
  }
  const int64_t dy = pad ? static_cast<int64_t>(rng_.Below(2 * pad + 1)) - pad : 0;
  const int64_t dx = pad ? static_cast<int64_t>(rng_.Below(2 * pad + 1)) - pad : 0;
  const bool flip = augment_.horizontal_flip && rng_.Below(2);
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) {
        const int64_t sy = y + dy, sx0 = flip ? w - 1 - x : x, sx = sx0 + dx;
        const bool inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
        dst[(ch * h + y) * w + x] = lut_[inside ? src[(ch * h + sy) * w + sx] : 0];
      }
}

bool BatchIterator::Next(Tensor* images, std::vector<int32_t>* labels) {
  if (pos_ >= data_.count) return false;
  const int64_t n = std::min(batch_, data_.count - pos_);
  const int64_t per = data_.channels * data_.height * data_.width;
  images->Resize({n, data_.channels, data_.height, data_.width});
  labels->resize(n);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t idx = order_[pos_ + i];
    CopyExample(idx, images->data() + i * per);
    (*labels)[i] = data_.labels[idx];
  }
  pos_ += n;
  return true;
}

}  // namespace qforge
