// Reference (plain loop) 2-D convolution, NCHW activations and OIHW weights (I = C / groups).
// The oracle for the oneDNN path and for gradient checks.
#pragma once

#include <cstdint>

#include "ops/geometry.h"

namespace qforge::ref {

struct ConvShape {
  int64_t n = 1, c = 1, h = 1, w = 1;  // input
  int64_t oc = 1, groups = 1;
  Window2D win;
  int64_t oh() const { return win.OutH(h); }
  int64_t ow() const { return win.OutW(w); }
};

// y[n, oc, oh, ow] = b[oc] + sum w[oc, ic, kh, kw] * x[n, g * C/G + ic, ...]; b may be null.
void Conv2DForward(const ConvShape& s, const float* x, const float* w, const float* b, float* y);
void Conv2DBackwardData(const ConvShape& s, const float* w, const float* dy, float* dx);
// db may be null.
void Conv2DBackwardWeights(const ConvShape& s, const float* x, const float* dy, float* dw,
                           float* db);

}  // namespace qforge::ref
