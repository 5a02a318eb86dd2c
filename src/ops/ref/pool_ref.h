// Reference max and average pooling (NCHW). Average pooling divides by the number of in-image
// taps (padding excluded), as TFLite's AveragePool does.
#pragma once

#include <cstdint>

#include "ops/geometry.h"

namespace qforge::ref {

struct PoolShape {
  int64_t n = 1, c = 1, h = 1, w = 1;
  Window2D win;
  int64_t oh() const { return win.OutH(h); }
  int64_t ow() const { return win.OutW(w); }
};

void MaxPoolForward(const PoolShape& s, const float* x, float* y);
// The gradient goes to the first maximal tap of each window.
void MaxPoolBackward(const PoolShape& s, const float* x, const float* dy, float* dx);
void AvgPoolForward(const PoolShape& s, const float* x, float* y);
void AvgPoolBackward(const PoolShape& s, const float* dy, float* dx);

}  // namespace qforge::ref
