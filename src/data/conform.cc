// Resize, centre crop and channel replication of dataset images.
#include "data/conform.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "data/resize.h"

namespace qforge {

std::pair<int64_t, int64_t> ResizedSize(int64_t h, int64_t w, int64_t resize) {
  if (h <= w) return {resize, std::max<int64_t>(1, w * resize / h)};
  return {std::max<int64_t>(1, h * resize / w), resize};
}

namespace {

Status CheckFits(int64_t channels, int64_t h, int64_t w, const InputSpec& spec, const std::string& what) {
  if (channels != spec.channels && !(channels == 1 && spec.channels == 3))
    return InvalidArgument("{}: images have {} channel(s) but the model takes {}", what, channels, spec.channels);
  if (spec.resize == 0) {
    if (h == spec.height && w == spec.width) return Status::Ok();
    return InvalidArgument("{}: images are {}x{} but the model takes {}x{}; resize and centre-crop them with "
                           "{} when training or importing the model (stored in it)", what, h, w, spec.height,
                           spec.width,
                           spec.height == spec.width ? fmt::format("--input-size {}", spec.height) : "--resize");
  }
  const auto [rh, rw] = ResizedSize(h, w, spec.resize);
  if (rh * rw > kMaxResizedPixels)
    return InvalidArgument("{}: resizing {}x{} images to a shorter side of {} gives {}x{}, over {} pixels", what, h, w,
                           spec.resize, rh, rw, kMaxResizedPixels);
  if (rh < spec.height || rw < spec.width)
    return InvalidArgument("{}: resizing {}x{} images to a shorter side of {} gives {}x{}, smaller than the model's "
                           "{}x{} input", what, h, w, spec.resize, rh, rw, spec.height, spec.width);
  return Status::Ok();
}

}  // namespace

StatusOr<std::vector<float>> FitImage(const float* chw, int64_t channels, int64_t h, int64_t w,
                                      const InputSpec& spec, const std::string& what) {
  QF_RETURN_IF_ERROR(CheckFits(channels, h, w, spec, what));
  const auto [rh, rw] = spec.resize ? ResizedSize(h, w, spec.resize) : std::pair{h, w};
  const int64_t top = (rh - spec.height) / 2, left = (rw - spec.width) / 2;
  const int64_t plane = spec.height * spec.width;
  std::vector<float> out(static_cast<size_t>(spec.channels * plane));
  std::vector<float> resized(rh != h || rw != w ? static_cast<size_t>(rh * rw) : 0);
  for (int64_t c = 0; c < channels; ++c) {
    const float* src = chw + c * h * w;
    if (rh != h || rw != w) {
      ResizePlane(src, h, w, resized.data(), rh, rw);
      src = resized.data();
    }
    for (int64_t y = 0; y < spec.height; ++y)
      std::copy_n(src + (top + y) * rw + left, spec.width, out.data() + c * plane + y * spec.width);
  }
  for (int64_t c = channels; c < spec.channels; ++c)  // gray replicated to RGB
    std::copy_n(out.data(), plane, out.data() + c * plane);
  return out;
}

Status FitPixels(const uint8_t* chw, int64_t channels, int64_t h, int64_t w, const InputSpec& spec,
                 const std::string& what, uint8_t* out) {
  const int64_t plane = h * w;
  if (spec.resize == 0 && h == spec.height && w == spec.width &&
      (channels == spec.channels || (channels == 1 && spec.channels == 3))) {
    // What FitImage gives, without its float round trip (most of a loader's time on big images).
    for (int64_t c = 0; c < spec.channels; ++c) std::copy_n(chw + (channels == 1 ? 0 : c * plane), plane, out + c * plane);
    return Status::Ok();
  }
  const std::vector<float> values(chw, chw + channels * plane);
  QF_ASSIGN_OR_RETURN(const std::vector<float> fitted, FitImage(values.data(), channels, h, w, spec, what));
  std::transform(fitted.begin(), fitted.end(), out, ToPixel);
  return Status::Ok();
}

Status ConformDataset(ImageDataset* d, const InputSpec& spec, const std::string& what) {
  QF_RETURN_IF_ERROR(CheckFits(d->channels, d->height, d->width, spec, what));
  const bool same_size = spec.resize == 0 || ResizedSize(d->height, d->width, spec.resize) ==
                                                 std::pair{d->height, d->width};
  if (same_size && d->height == spec.height && d->width == spec.width && d->channels == spec.channels)
    return Status::Ok();
  const int64_t in_size = d->example_size(), out_size = spec.channels * spec.height * spec.width;
  std::vector<uint8_t> pixels;
  std::vector<float> values;
  if (d->floating) values.resize(d->count * out_size);
  else pixels.resize(d->count * out_size);
  for (int64_t i = 0; i < d->count; ++i) {
    if (!d->floating) {
      QF_RETURN_IF_ERROR(FitPixels(d->pixels.data() + i * in_size, d->channels, d->height, d->width, spec, what,
                                   pixels.data() + i * out_size));
      continue;
    }
    QF_ASSIGN_OR_RETURN(const std::vector<float> fitted,
                        FitImage(d->values.data() + i * in_size, d->channels, d->height, d->width, spec, what));
    std::copy(fitted.begin(), fitted.end(), values.begin() + i * out_size);
  }
  d->pixels = std::move(pixels);
  d->values = std::move(values);
  d->channels = spec.channels;
  d->height = spec.height;
  d->width = spec.width;
  return Status::Ok();
}

}  // namespace qforge
