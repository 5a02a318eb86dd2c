// PNG and JPEG decoding for image-folder datasets, with Debian's libpng (its simplified API)
// and libjpeg-turbo (the TurboJPEG API): 8-bit gray or RGB, whatever the file's depth, palette
// or alpha (composited onto black). Corrupt or truncated files are errors naming the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace qforge {

struct DecodedImage {
  int64_t channels = 0, height = 0, width = 0;  // channels: 1 (gray) or 3 (RGB)
  std::vector<uint8_t> chw;
};

// Images larger than this many pixels are refused (a corrupt header must not allocate gigabytes).
inline constexpr int64_t kMaxImagePixels = int64_t{1} << 26;

bool IsImagePath(const std::string& path);  // .png, .jpg, .jpeg (any case)
// `count` pixels of interleaved samples (`channels` per pixel) into planes: channel c's samples
// go to chw + c * plane.
void Deinterleave(const uint8_t* hwc, int64_t channels, int64_t count, int64_t plane, uint8_t* chw);
// PNG files go through DecodePngDirect (data/png_direct.h) when it takes them, else libpng.
StatusOr<DecodedImage> DecodeImage(const std::vector<uint8_t>& bytes, const std::string& what);
// Any PNG, through libpng (the direct path's reference).
StatusOr<DecodedImage> DecodePngWithLibpng(const std::vector<uint8_t>& bytes, const std::string& what);

}  // namespace qforge
