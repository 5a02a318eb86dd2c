// How a real range becomes a quantization grid (scale and zero point), for b-bit integers.
// One definition shared by the runtime's dynamic-range kernels, the converter (activation and
// weight parameters in .qfm files) and fake quantization in training, so a QAT model simulates
// exactly the grid it is exported with. Scales are computed in float, as stored in the file.
// C++17, header-only.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace qforge::runtime {

struct GridParams {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

// Integer range of a b-bit grid: [-2^(b-1), 2^(b-1) - 1], or [-(2^(b-1) - 1), 2^(b-1) - 1]
// when narrow (symmetric weights).
inline int32_t GridMin(int bits, bool narrow) { return -(1 << (bits - 1)) + (narrow ? 1 : 0); }
inline int32_t GridMax(int bits) { return (1 << (bits - 1)) - 1; }

// Asymmetric: [lo, hi] widened to include 0, scale = (hi - lo) / (qmax - qmin), zero point
// round(qmin - lo / scale) clamped into [qmin, qmax] (zero lands exactly on the grid).
inline GridParams AsymmetricGrid(float lo, float hi, int32_t qmin, int32_t qmax) {
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  if (!(hi > lo)) hi = lo + 1.0f;
  GridParams p;
  p.scale = (hi - lo) / static_cast<float>(qmax - qmin);
  // A range that is not finite (NaN or infinite bounds: a diverged or damaged tensor) has no
  // zero point; qmin keeps the conversion defined (found by fuzz_qfm: a dynamic-range layer fed
  // NaN by the layers before it).
  const double zero = std::round(static_cast<double>(qmin) - lo / p.scale);
  p.zero_point = std::isnan(zero) ? qmin : static_cast<int32_t>(std::clamp<double>(zero, qmin, qmax));
  return p;
}

// Symmetric: zero point 0, scale = max |x| / qmax (1 for an all-zero tensor).
inline GridParams SymmetricGrid(float max_abs, int32_t qmax) {
  GridParams p;
  p.scale = max_abs > 0.0f ? max_abs / static_cast<float>(qmax) : 1.0f;
  return p;
}

// Symmetric over a range [lo, hi]: max |x| is the larger of -min(lo, 0) and max(hi, 0).
inline GridParams SymmetricGrid(float lo, float hi, int32_t qmax) {
  return SymmetricGrid(std::max(-std::min(lo, 0.0f), std::max(hi, 0.0f)), qmax);
}

// The fixed grid the runtime's Softmax writes probabilities on (TFLite's), whatever their
// range: scale 1/256, zero point -128 in int8; 1/32768, 0 in int16. The converter gives Softmax
// outputs this grid and QAT simulates it.
inline GridParams SoftmaxOutputGrid(bool int16) {
  return int16 ? GridParams{1.0f / 32768.0f, 0} : GridParams{1.0f / 256.0f, -128};
}

}  // namespace qforge::runtime
