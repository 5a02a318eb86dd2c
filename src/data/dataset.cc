// Dataset loading, normalization statistics and batching.
#include "data/dataset.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>

#include "core/check.h"
#include "data/batch_prefetcher.h"
#include "data/idx.h"

namespace qforge {

namespace {

// A number (one value for every channel) or a non-empty list of numbers.
StatusOr<std::vector<float>> ChannelValues(const nlohmann::json& j, const char* key) {
  const nlohmann::json& v = j.at(key);
  std::vector<float> out;
  if (v.is_number()) out.push_back(v.get<float>());
  else if (v.is_array() && !v.empty())
    for (const auto& x : v) {
      if (!x.is_number()) return InvalidArgument("preprocessing {} holds a non-number", key);
      out.push_back(x.get<float>());
    }
  else return InvalidArgument("preprocessing {} must be a number or a list of numbers", key);
  return out;
}

nlohmann::json ChannelJson(const std::vector<float>& v) {
  return v.size() == 1 ? nlohmann::json(v[0]) : nlohmann::json(v);
}

}  // namespace

std::pair<float, float> Preprocess::PixelRange(int64_t channels) const {
  std::pair<float, float> range{Apply(0), Apply(255)};
  for (int64_t c = 1; c < channels; ++c) {
    range.first = std::min(range.first, Apply(0, c));
    range.second = std::max(range.second, Apply(255, c));
  }
  return range;
}

Status Preprocess::CheckChannels(int64_t channels) const {
  for (const auto* v : {&mean, &std})
    if (v->size() != 1 && static_cast<int64_t>(v->size()) != channels)
      return InvalidArgument("{} preprocessing {} values for {}-channel images (give 1 or {})", v->size(),
                             v == &mean ? "mean" : "std", channels, channels);
  return Status::Ok();
}

nlohmann::json Preprocess::ToJson() const {
  nlohmann::json j{{"scale", scale}, {"mean", ChannelJson(mean)}, {"std", ChannelJson(std)}};
  if (resize > 0) j["resize"] = resize;
  return j;
}

StatusOr<Preprocess> Preprocess::FromJson(const nlohmann::json& j) {
  Preprocess p;
  try {
    p.scale = j.at("scale").get<float>();
    QF_ASSIGN_OR_RETURN(p.mean, ChannelValues(j, "mean"));
    QF_ASSIGN_OR_RETURN(p.std, ChannelValues(j, "std"));
    p.resize = j.value("resize", int64_t{0});
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument("bad preprocessing description: {}", e.what());
  }
  if (!std::isfinite(p.scale)) return InvalidArgument("preprocessing scale must be finite");
  for (float m : p.mean)
    if (!std::isfinite(m)) return InvalidArgument("preprocessing mean must be finite");
  for (float s : p.std)
    if (!(s > 0) || !std::isfinite(s)) return InvalidArgument("preprocessing std must be finite and > 0");
  if (p.resize < 0 || p.resize > (1 << 16)) return InvalidArgument("preprocessing resize {} out of range", p.resize);
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
  QF_CHECK(!d.streamed());  // in-memory data only
  const int64_t hw = d.height * d.width;
  Preprocess pre;
  pre.scale = scale;
  pre.mean.assign(d.channels, 0.0f);
  pre.std.assign(d.channels, 1.0f);
  for (int64_t c = 0; c < d.channels; ++c) {
    double sum = 0, sq = 0;
    for (int64_t i = 0; i < d.count; ++i) {
      const int64_t at = (i * d.channels + c) * hw;
      for (int64_t p = at; p < at + hw; ++p) {
        const double x = d.floating ? d.values[p] : d.pixels[p] * static_cast<double>(scale);
        sum += x;
        sq += x * x;
      }
    }
    const double n = static_cast<double>(std::max<int64_t>(d.count * hw, 1));
    pre.mean[c] = static_cast<float>(sum / n);
    pre.std[c] = static_cast<float>(std::sqrt(std::max(sq / n - (sum / n) * (sum / n), 1e-12)));
  }
  if (std::all_of(pre.mean.begin(), pre.mean.end(), [&](float m) { return m == pre.mean[0]; }) &&
      std::all_of(pre.std.begin(), pre.std.end(), [&](float s) { return s == pre.std[0]; })) {
    pre.mean.resize(1);
    pre.std.resize(1);
  }
  return pre;
}

InputMapper::InputMapper(const ImageDataset& d, const Preprocess& pre) : data_(d), pre_(pre) {
  if (d.floating) return;
  lut_.resize(d.channels * 256);
  for (int64_t c = 0; c < d.channels; ++c)
    for (int v = 0; v < 256; ++v) lut_[c * 256 + v] = pre.Apply(v, c);
}

float InputMapper::Zero(int64_t channel) const {
  return data_.floating ? pre_.ApplyValue(0.0f, channel) : lut_[channel * 256];
}

void InputMapper::ExampleNchw(int64_t index, float* dst) const {
  QF_CHECK(!data_.streamed());  // streamed examples come through PixelsNchw
  const int64_t c = data_.channels, hw = data_.height * data_.width;
  if (!data_.floating) {
    PixelsNchw(data_.pixels.data() + index * c * hw, dst);
    return;
  }
  for (int64_t ch = 0; ch < c; ++ch) {
    const float mean = pre_.Mean(ch), inv = 1.0f / pre_.Std(ch);
    const float* src = data_.values.data() + (index * c + ch) * hw;
    float* out = dst + ch * hw;
    for (int64_t p = 0; p < hw; ++p) out[p] = (src[p] - mean) * inv;
  }
}

void InputMapper::PixelsNchw(const uint8_t* pixels, float* dst) const {
  const int64_t c = data_.channels, hw = data_.height * data_.width;
  for (int64_t ch = 0; ch < c; ++ch) {
    const float* lut = lut_.data() + ch * 256;
    const uint8_t* src = pixels + ch * hw;
    float* out = dst + ch * hw;
    for (int64_t p = 0; p < hw; ++p) out[p] = lut[src[p]];
  }
}

void PreprocessNhwc(const ImageDataset& d, const Preprocess& pre, const int64_t* indices, int64_t count,
                    float* out) {
  QF_CHECK(!d.streamed());  // in-memory data only
  const InputMapper mapper(d, pre);
  const int64_t c = d.channels, hw = d.height * d.width;
  std::vector<float> nchw(static_cast<size_t>(c * hw));
  for (int64_t i = 0; i < count; ++i) {
    mapper.ExampleNchw(indices[i], nchw.data());
    float* dst = out + i * c * hw;
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t p = 0; p < hw; ++p) dst[p * c + ch] = nchw[ch * hw + p];
  }
}

BatchIterator::BatchIterator(const ImageDataset& data, const Preprocess& pre, int64_t batch_size,
                             bool shuffle, uint64_t seed, Augment augment, Shard shard, Prefetch prefetch)
    : data_(data), mapper_(data, pre), batch_(batch_size), augment_(augment), shard_(shard),
      augment_seed_(DeriveSeed(seed, 1)) {
  order_.resize(data.count);
  std::iota(order_.begin(), order_.end(), 0);
  Rng rng(seed);
  if (shuffle)
    for (int64_t i = data.count - 1; i > 0; --i) std::swap(order_[i], order_[rng.Below(i + 1)]);
  if (!data.streamed()) return;
  std::vector<std::pair<int64_t, int64_t>> ranges;
  for (int64_t first = 0, count = 0; NextRange(&first, &count);) ranges.emplace_back(first, count);
  pos_ = 0;
  prefetcher_ = std::make_unique<BatchPrefetcher>(data, mapper_, augment, augment_seed_, order_, std::move(ranges),
                                                  prefetch);
}

BatchIterator::~BatchIterator() = default;

int64_t BatchesPerEpoch(int64_t count, int64_t batch, int shards) {
  const int64_t global = batch * shards, full = count / global, rest = count % global;
  return full + (rest >= shards ? 1 : 0);
}

int64_t BatchIterator::num_batches() const { return BatchesPerEpoch(data_.count, batch_, shard_.count); }

void AugmentExample(const float* example, int64_t c, int64_t h, int64_t w, const Augment& augment,
                    const InputMapper& mapper, Rng& rng, float* dst) {
  const int64_t pad = augment.crop_padding;
  const int64_t dy = pad ? static_cast<int64_t>(rng.Below(2 * pad + 1)) - pad : 0;
  const int64_t dx = pad ? static_cast<int64_t>(rng.Below(2 * pad + 1)) - pad : 0;
  const bool flip = augment.horizontal_flip && rng.Below(2);
  for (int64_t ch = 0; ch < c; ++ch) {
    const float zero = mapper.Zero(ch);
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) {
        const int64_t sy = y + dy, sx0 = flip ? w - 1 - x : x, sx = sx0 + dx;
        const bool inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
        dst[(ch * h + y) * w + x] = inside ? example[(ch * h + sy) * w + sx] : zero;
      }
  }
}

void BatchIterator::CopyExample(int64_t index, int64_t place, float* dst) {
  ExampleInputs(mapper_, data_.channels, data_.height, data_.width, augment_, augment_seed_, place, example_,
                [&](float* out) { mapper_.ExampleNchw(index, out); }, dst);
}

bool BatchIterator::NextRange(int64_t* first, int64_t* count) {
  const int64_t global = std::min(batch_ * shard_.count, data_.count - pos_);
  if (global <= 0 || global < shard_.count) return false;
  *first = pos_ + shard_.index * global / shard_.count;
  *count = pos_ + (shard_.index + 1) * global / shard_.count - *first;
  pos_ += global;
  return true;
}

bool BatchIterator::Next(Tensor* images, std::vector<int32_t>* labels) {
  if (prefetcher_) {
    auto next = prefetcher_->Next(images, labels);
    if (!next.ok()) status_ = next.status();
    return next.ok() && *next;
  }
  int64_t first = 0, n = 0;
  if (!NextRange(&first, &n)) return false;
  const int64_t per = data_.example_size();
  images->Resize({n, data_.channels, data_.height, data_.width});
  labels->resize(n);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t idx = order_[first + i];
    CopyExample(idx, first + i, images->data() + i * per);
    (*labels)[i] = data_.labels.empty() ? -1 : data_.labels[idx];
  }
  return true;
}

StatusOr<ImageDataset> SpreadSample(const ImageDataset& d, int64_t count) {
  if (!d.streamed()) return d;  // in memory already
  ImageDataset out = d;
  out.source = nullptr;
  out.count = std::min(count, d.count);
  out.labels.clear();
  out.pixels.resize(static_cast<size_t>(out.count * d.example_size()));
  for (int64_t i = 0; i < out.count; ++i) {
    const int64_t index = i * d.count / out.count;
    QF_RETURN_IF_ERROR(d.source->Read(index, out.pixels.data() + i * d.example_size()));
    if (d.labelled()) out.labels.push_back(d.labels[index]);
  }
  return out;
}

ImageDataset SliceExamples(const ImageDataset& d, int64_t first, int64_t count) {
  QF_CHECK(!d.streamed());  // in-memory data only
  first = std::clamp<int64_t>(first, 0, d.count);
  count = std::clamp<int64_t>(count, 0, d.count - first);
  ImageDataset out = d;
  out.count = count;
  const int64_t size = d.example_size();
  if (d.floating) out.values.assign(d.values.begin() + first * size, d.values.begin() + (first + count) * size);
  else out.pixels.assign(d.pixels.begin() + first * size, d.pixels.begin() + (first + count) * size);
  if (d.labelled()) out.labels.assign(d.labels.begin() + first, d.labels.begin() + first + count);
  return out;
}

}  // namespace qforge
