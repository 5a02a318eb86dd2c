// Image resampling for datasets: one channel plane resized with an antialiased bilinear
// filter (a triangle filter, widened by the scale factor when shrinking so every source pixel
// contributes, as PIL's bilinear resize does; plain bilinear interpolation when enlarging).
#pragma once

#include <cstdint>

namespace qforge {

// src: height x width, dst: out_height x out_width (all > 0).
void ResizePlane(const float* src, int64_t height, int64_t width, float* dst, int64_t out_height, int64_t out_width);

}  // namespace qforge
