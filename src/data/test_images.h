// Test-only helpers: PNG and JPEG files encoded with libpng and TurboJPEG, and a test pattern.
#pragma once

#include <gtest/gtest.h>
#include <png.h>
#include <turbojpeg.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace qforge::test_images {

// hwc: height x width x channels 8-bit samples (1: gray, 3: RGB, 4: RGBA for PNG).
inline std::vector<uint8_t> EncodePng(int channels, int h, int w, const std::vector<uint8_t>& hwc) {
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = w;
  png.height = h;
  png.format = channels == 4 ? PNG_FORMAT_RGBA : channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  png_alloc_size_t size = 0;
  EXPECT_TRUE(png_image_write_get_memory_size(png, size, 0, hwc.data(), 0, nullptr));
  std::vector<uint8_t> out(size);
  EXPECT_TRUE(png_image_write_to_memory(&png, out.data(), &size, 0, hwc.data(), 0, nullptr));
  out.resize(size);
  return out;
}

inline std::vector<uint8_t> EncodeJpeg(int channels, int h, int w, const std::vector<uint8_t>& hwc) {
  tjhandle tj = tjInitCompress();
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  EXPECT_EQ(tjCompress2(tj, hwc.data(), w, 0, h, channels == 1 ? TJPF_GRAY : TJPF_RGB, &jpeg, &size,
                        channels == 1 ? TJSAMP_GRAY : TJSAMP_444, 100, 0), 0);
  std::vector<uint8_t> out(jpeg, jpeg + size);
  tjFree(jpeg);
  tjDestroy(tj);
  return out;
}

// A smooth pattern, different per channel.
inline std::vector<uint8_t> Gradient(int channels, int h, int w) {
  std::vector<uint8_t> hwc(channels * h * w);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < channels; ++c) hwc[(y * w + x) * channels + c] = static_cast<uint8_t>(8 * x + 5 * y + 60 * c);
  return hwc;
}

}  // namespace qforge::test_images
