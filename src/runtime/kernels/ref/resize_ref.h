// Reference spatial resampling on NHWC tensors: INSERT_ZEROS (pixels spread `stride` apart,
// the input's zero between them) and RESIZE (ONNX Resize / Upsample; nearest or bilinear). Which input
// samples an output sample reads is one function of each axis (ResizeTaps, header-only so the
// training op computes the same taps): ONNX's coordinate transforms and nearest rounding modes.
// Bilinear int8/int16 weights are fixed point (Q10 per axis, 1024 = 1): the output, on the
// input's grid, is round-half-up(sum of wy * wx * q over the four taps / 2^20) (NUMERICS.md).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace qforge::runtime::ref {

// ONNX's coordinate_transformation_mode and nearest_mode (the values the converter stores).
enum class ResizeCoordinates : int8_t { kHalfPixel = 0, kPytorchHalfPixel = 1, kAlignCorners = 2, kAsymmetric = 3 };
enum class NearestRounding : int8_t { kRoundPreferFloor = 0, kRoundPreferCeil = 1, kFloor = 2, kCeil = 3 };

// An output sample along one axis reads (1 - w1) * in[i0] + w1 * in[i1]; nearest: w1 = 0.
struct ResizeTap {
  int32_t i0 = 0, i1 = 0;
  double w1 = 0.0;
};

inline std::vector<ResizeTap> ResizeTaps(int64_t in, int64_t out, bool linear, ResizeCoordinates coordinates,
                                         NearestRounding rounding) {
  std::vector<ResizeTap> taps(static_cast<size_t>(out));
  const double scale = static_cast<double>(out) / static_cast<double>(in);
  for (int64_t o = 0; o < out; ++o) {
    double x = 0.0;  // the output sample's position in input coordinates
    switch (coordinates) {
      case ResizeCoordinates::kHalfPixel: x = (o + 0.5) / scale - 0.5; break;
      case ResizeCoordinates::kPytorchHalfPixel: x = out > 1 ? (o + 0.5) / scale - 0.5 : 0.0; break;
      case ResizeCoordinates::kAlignCorners: x = out > 1 ? o * static_cast<double>(in - 1) / (out - 1) : 0.0; break;
      case ResizeCoordinates::kAsymmetric: x = o / scale; break;
    }
    ResizeTap& t = taps[o];
    if (linear) {
      x = std::clamp(x, 0.0, static_cast<double>(in - 1));
      t.i0 = static_cast<int32_t>(std::floor(x));
      t.i1 = static_cast<int32_t>(std::min<int64_t>(t.i0 + 1, in - 1));
      t.w1 = x - t.i0;
      continue;
    }
    double n = 0.0;
    switch (rounding) {
      case NearestRounding::kRoundPreferFloor: n = x == std::floor(x) + 0.5 ? std::floor(x) : std::round(x); break;
      case NearestRounding::kRoundPreferCeil: n = std::round(x); break;  // halves away from zero; x >= -0.5 here
      case NearestRounding::kFloor: n = std::floor(x); break;
      case NearestRounding::kCeil: n = std::ceil(x); break;
    }
    t.i0 = t.i1 = static_cast<int32_t>(std::clamp<double>(n, 0.0, static_cast<double>(in - 1)));
  }
  return taps;
}

struct ResizeShape {
  int64_t batch = 0, in_h = 0, in_w = 0, out_h = 0, out_w = 0, channels = 0;
};

void ResizeFloat(const ResizeShape& s, const std::vector<ResizeTap>& rows, const std::vector<ResizeTap>& cols,
                 const float* input, float* output);

// Integer taps: i0, i1 and the Q10 weight of i1 (weight of i0: 1024 - w1).
struct FixedTap {
  int32_t i0 = 0, i1 = 0, w1 = 0;
};
std::vector<FixedTap> ToFixed(const std::vector<ResizeTap>& taps);

// Output pixel (y * stride_h, x * stride_w) = input pixel (y, x); every other output element is
// `zero` (element_bytes wide: 0.0f, or the quantized tensor's zero point).
void InsertZeros(const ResizeShape& s, int stride_h, int stride_w, int element_bytes, const uint8_t* zero,
                 const uint8_t* input, uint8_t* output);

template <typename T>
void ResizeQuantized(const ResizeShape& s, const std::vector<FixedTap>& rows, const std::vector<FixedTap>& cols,
                     const T* input, T* output);

}  // namespace qforge::runtime::ref
