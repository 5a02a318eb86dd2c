// The quantization loop of kernels/quantize.h, plain C++ written to vectorize under each ISA's
// flags (no std::round, no branches).
#pragma once

#include <cstdint>

namespace qforge::runtime::kernels {

inline void QuantizeRange(float scale, int32_t zero_point, int64_t begin, int64_t end, const float* __restrict input,
                          int8_t* __restrict output) {
  const double s = scale, zp = zero_point;
  // v is clamped to [-129 - zp, 128 - zp] first: the final clamp is unchanged and truncation
  // through int32 is exact.
  const double lo = -129.0 - zp, hi = 128.0 - zp;
  for (int64_t i = begin; i < end; ++i) {
    const double raw = static_cast<double>(input[i]) / s;
    double v = raw > lo ? raw : lo;  // NaN -> lo, replaced below
    v = v < hi ? v : hi;
    const double t = static_cast<double>(static_cast<int32_t>(v));
    const double d = v - t;
    double q = t + (d >= 0.5 ? 1.0 : (d <= -0.5 ? -1.0 : 0.0)) + zp;
    q = q > -128.0 ? q : -128.0;
    q = q < 127.0 ? q : 127.0;
    q = raw == raw ? q : zp;  // NaN maps to the zero point
    output[i] = static_cast<int8_t>(static_cast<int32_t>(q));
  }
}

}  // namespace qforge::runtime::kernels
