// Synthetic 4-class image data for the API examples: the class is the quadrant that holds a
// bright square, on noise.
#pragma once

#include <qforge/train.h>

namespace qforge::testing {

inline ImageDataset Quadrants(int64_t count, uint64_t seed) {
  ImageDataset d;
  d.count = count;
  d.height = d.width = 28;
  d.num_classes = 4;
  d.class_names = {"top-left", "top-right", "bottom-left", "bottom-right"};
  Rng rng(seed);
  for (int64_t i = 0; i < count; ++i) {
    const int label = static_cast<int>(rng.Below(4));
    d.labels.push_back(label);
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) {
        const bool hit = (y / 14) * 2 + (x / 14) == label && y % 14 > 3 && x % 14 > 3;
        d.pixels.push_back(hit ? 230 : static_cast<uint8_t>(rng.Below(80)));
      }
  }
  return d;
}

}  // namespace qforge::testing
