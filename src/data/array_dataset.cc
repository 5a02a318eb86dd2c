// Array datasets: locate the named arrays, check their shapes and types, copy them in.
#include "data/array_dataset.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "data/npz.h"

namespace qforge {
namespace {

constexpr int64_t kMaxChannels = 4;
constexpr int64_t kMaxLabel = 65535;

const NpyArray* Find(const std::vector<NamedArray>& arrays, const std::string& name) {
  for (const NamedArray& a : arrays)
    if (a.name == name) return &a.array;
  return nullptr;
}

StatusOr<bool> IsChannelsLast(const Shape& s, ArrayLayout layout, const std::string& what) {
  if (layout != ArrayLayout::kAuto) return layout == ArrayLayout::kNhwc;
  const bool first = s[1] <= kMaxChannels, last = s[3] <= kMaxChannels;
  if (first != last) return last;
  if (!first)
    return InvalidArgument("{}: shape {} has no axis of 1 to {} channels (axis 1 or 3)", what, ShapeToString(s),
                           kMaxChannels);
  return InvalidArgument("{}: cannot tell channels from image size in shape {}; pass --layout nchw or nhwc", what,
                         ShapeToString(s));
}

}  // namespace

StatusOr<ArrayImages> ArrayImageLayout(const Shape& s, NpyType type, ArrayLayout layout, const std::string& what) {
  if (s.size() != 3 && s.size() != 4)
    return InvalidArgument("{}: images must be N x H x W, N x C x H x W or N x H x W x C, not {}", what, ShapeToString(s));
  if (type != NpyType::kUInt8 && NpyTypeIsInteger(type))
    return InvalidArgument("{}: images must be uint8 or float, not {}", what, NpyTypeName(type));
  ArrayImages a;
  a.count = s[0];
  if (s.size() == 3) {
    a.height = s[1];
    a.width = s[2];
  } else {
    QF_ASSIGN_OR_RETURN(a.channels_last, IsChannelsLast(s, layout, what));
    a.channels = a.channels_last ? s[3] : s[1];
    a.height = a.channels_last ? s[1] : s[2];
    a.width = a.channels_last ? s[2] : s[3];
  }
  if (a.count < 1 || a.height < 1 || a.width < 1 || a.channels < 1 || a.channels > kMaxChannels)
    return InvalidArgument("{}: shape {} holds no images of 1..{} channels", what, ShapeToString(s), kMaxChannels);
  a.floating = type != NpyType::kUInt8;
  return a;
}

namespace {

StatusOr<ImageDataset> Images(const NpyArray& x, ArrayLayout layout, const std::string& what) {
  QF_ASSIGN_OR_RETURN(const ArrayImages a, ArrayImageLayout(x.shape, x.type, layout, what));
  ImageDataset d;
  d.count = a.count;
  d.channels = a.channels;
  d.height = a.height;
  d.width = a.width;
  d.floating = a.floating;
  const int64_t hw = d.height * d.width, c = d.channels, n = x.size();
  if (d.floating) d.values.resize(n);
  else d.pixels.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    // Element i of the file goes to (example, channel, pixel) in NCHW order.
    const int64_t example = i / (c * hw), rest = i % (c * hw);
    const int64_t to = a.channels_last ? example * c * hw + (rest % c) * hw + rest / c : i;
    if (d.floating) {
      const double v = x.At(i);
      if (!std::isfinite(v)) return InvalidArgument("{}: element {} is not finite", what, i);
      d.values[to] = static_cast<float>(v);
    } else {
      d.pixels[to] = x.data[i];
    }
  }
  return d;
}

}  // namespace

Status AddLabels(const NpyArray& y, ImageDataset* d, const std::string& what) {
  if (!NpyTypeIsInteger(y.type)) return InvalidArgument("{}: labels must be integers, not {}", what, NpyTypeName(y.type));
  if (y.shape.size() != 1 || y.shape[0] != d->count)
    return InvalidArgument("{}: {} labels (shape {}) for {} images", what, y.size(), ShapeToString(y.shape), d->count);
  d->labels.resize(d->count);
  for (int64_t i = 0; i < d->count; ++i) {
    const double label = y.At(i);
    if (label < 0 || label > kMaxLabel) return InvalidArgument("{}: label {} at index {} is out of range [0, {}]", what, label, i, kMaxLabel);
    d->labels[i] = static_cast<int32_t>(label);
  }
  return Status::Ok();
}

void NameClasses(TrainTestData* data) {
  int32_t top = -1;
  for (const ImageDataset* d : {&data->train, &data->test})
    for (int32_t l : d->labels) top = std::max(top, l);
  for (ImageDataset* d : {&data->train, &data->test}) {
    d->num_classes = top + 1;
    d->class_names.clear();
    for (int32_t c = 0; c <= top; ++c) d->class_names.push_back(std::to_string(c));
  }
}

bool IsArrayPath(const std::string& path) {
  std::string lower = path;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.ends_with(".npz") || lower.ends_with(".npy");
}

StatusOr<TrainTestData> DatasetFromArrays(const DatasetArrays& arrays, ArrayLayout layout, const std::string& what) {
  if (!arrays.x_train) return InvalidArgument("{}: no training images", what);
  if (arrays.y_test && !arrays.x_test) return InvalidArgument("{}: y_test without x_test", what);
  TrainTestData data;
  QF_ASSIGN_OR_RETURN(data.train, Images(*arrays.x_train, layout, arrays.y_train || arrays.x_test ? what + ": x_train" : what));
  if (arrays.y_train) QF_RETURN_IF_ERROR(AddLabels(*arrays.y_train, &data.train, what + ": y_train"));
  if (arrays.x_test) {
    QF_ASSIGN_OR_RETURN(data.test, Images(*arrays.x_test, layout, what + ": x_test"));
    if (arrays.y_test) QF_RETURN_IF_ERROR(AddLabels(*arrays.y_test, &data.test, what + ": y_test"));
    if (data.test.channels != data.train.channels || data.test.height != data.train.height ||
        data.test.width != data.train.width || data.test.floating != data.train.floating)
      return InvalidArgument("{}: x_test's images ({}x{}x{}) differ from x_train's ({}x{}x{}) in size or type", what,
                             data.test.channels, data.test.height, data.test.width, data.train.channels,
                             data.train.height, data.train.width);
  } else {  // an empty test split of the same kind
    data.test.channels = data.train.channels;
    data.test.height = data.train.height;
    data.test.width = data.train.width;
    data.test.floating = data.train.floating;
  }
  NameClasses(&data);
  return data;
}

StatusOr<TrainTestData> LoadArrayDataset(const std::string& path, ArrayLayout layout) {
  QF_ASSIGN_OR_RETURN(const std::vector<NamedArray> arrays, ReadArrays(path));
  if (arrays.size() == 1 && arrays[0].name.empty())  // an .npy file: unlabelled images
    return DatasetFromArrays({&arrays[0].array, nullptr, nullptr, nullptr}, layout, path);
  const DatasetArrays named{Find(arrays, "x_train"), Find(arrays, "y_train"), Find(arrays, "x_test"),
                            Find(arrays, "y_test")};
  if (!named.x_train) return InvalidArgument("{}: no x_train array (expected x_train, y_train, x_test, y_test)", path);
  return DatasetFromArrays(named, layout, path);
}

}  // namespace qforge
