// Fitting images to the input a model takes: shorter side resized to `resize` (antialiased
// bilinear, data/resize.h), centre crop to the model's height x width (offsets rounded down),
// a gray image replicated to three channels for an RGB model. 8-bit images stay 8-bit
// (rounded), float images stay float.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "data/dataset.h"

namespace qforge {

// Resized images larger than this many pixels are refused (an extreme aspect ratio must not
// allocate gigabytes).
inline constexpr int64_t kMaxResizedPixels = int64_t{1} << 26;

struct InputSpec {
  int64_t channels = 0, height = 0, width = 0;  // the model's input
  int64_t resize = 0;  // shorter side before the crop; 0: images must already be height x width
};

// A fitted 8-bit sample back to a pixel: rounded half away from zero, clamped to 0..255.
inline uint8_t ToPixel(float v) { return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

// The resized size of an h x w image (shorter side to `resize`, aspect kept, longer side
// rounded down), as {height, width}.
std::pair<int64_t, int64_t> ResizedSize(int64_t h, int64_t w, int64_t resize);

// One image, channels x h x w, fitted to spec; `what` names it in errors.
StatusOr<std::vector<float>> FitImage(const float* chw, int64_t channels, int64_t h, int64_t w,
                                      const InputSpec& spec, const std::string& what);

// One 8-bit image, channels x h x w, fitted to spec into `out` (spec's channels x height x
// width 8-bit pixels): copied as it is when it already has the model's size, else FitImage.
Status FitPixels(const uint8_t* chw, int64_t channels, int64_t h, int64_t w, const InputSpec& spec,
                 const std::string& what, uint8_t* out);

// Every example of a dataset fitted to spec (a no-op when it already matches).
Status ConformDataset(ImageDataset* d, const InputSpec& spec, const std::string& what);

}  // namespace qforge
