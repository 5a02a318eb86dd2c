// Separable antialiased bilinear resampling: per output row/column, the source taps and their
// normalized weights are computed once, then applied along rows and along columns.
#include "data/resize.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace qforge {
namespace {

struct Taps {
  int64_t first = 0;
  std::vector<float> weights;  // source indices first, first + 1, ...
};

// The filter taps of every output index for a resampling of `in` samples to `out`.
std::vector<Taps> FilterTaps(int64_t in, int64_t out) {
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  const double support = std::max(scale, 1.0);  // triangle half-width in source pixels
  std::vector<Taps> taps(out);
  for (int64_t o = 0; o < out; ++o) {
    const double center = (o + 0.5) * scale;  // in source pixel units, edges at integers
    const int64_t lo = std::max<int64_t>(0, static_cast<int64_t>(std::floor(center - support)));
    const int64_t hi = std::min<int64_t>(in, static_cast<int64_t>(std::ceil(center + support)));
    Taps& t = taps[o];
    t.first = lo;
    double total = 0;
    for (int64_t i = lo; i < hi; ++i) {
      const double w = std::max(0.0, 1.0 - std::abs((i + 0.5 - center) / support));
      t.weights.push_back(static_cast<float>(w));
      total += w;
    }
    if (total <= 0) {  // cannot happen for in, out > 0; keep the nearest sample regardless
      t.first = std::clamp<int64_t>(static_cast<int64_t>(center), 0, in - 1);
      t.weights.assign(1, 1.0f);
      continue;
    }
    for (float& w : t.weights) w = static_cast<float>(w / total);
  }
  return taps;
}

}  // namespace

void ResizePlane(const float* src, int64_t height, int64_t width, float* dst, int64_t out_height, int64_t out_width) {
  const std::vector<Taps> across = FilterTaps(width, out_width), down = FilterTaps(height, out_height);
  std::vector<float> rows(static_cast<size_t>(height * out_width));  // resized along x
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < out_width; ++x) {
      const Taps& t = across[x];
      float sum = 0;
      for (size_t k = 0; k < t.weights.size(); ++k) sum += t.weights[k] * src[y * width + t.first + k];
      rows[y * out_width + x] = sum;
    }
  for (int64_t y = 0; y < out_height; ++y) {
    const Taps& t = down[y];
    for (int64_t x = 0; x < out_width; ++x) {
      float sum = 0;
      for (size_t k = 0; k < t.weights.size(); ++k) sum += t.weights[k] * rows[(t.first + k) * out_width + x];
      dst[y * out_width + x] = sum;
    }
  }
}

}  // namespace qforge
