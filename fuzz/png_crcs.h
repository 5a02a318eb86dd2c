// Rewrites the CRC of every whole chunk of a PNG file, so that fuzzed bytes reach the chunk
// contents and the image data instead of stopping at the checksum (the decoders' CRC checks
// have their own tests).
#pragma once

#include <zlib.h>

#include <cstdint>
#include <vector>

namespace qforge::fuzz {

inline void FixPngCrcs(std::vector<uint8_t>& png) {
  size_t pos = 8;  // after the signature
  while (pos + 12 <= png.size()) {
    const uint32_t length = uint32_t{png[pos]} << 24 | uint32_t{png[pos + 1]} << 16 | uint32_t{png[pos + 2]} << 8 | png[pos + 3];
    if (length > png.size() - pos - 12) return;
    const size_t crc_at = pos + 8 + length;
    const uint32_t crc = static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), png.data() + pos + 4, length + 4));
    for (int i = 0; i < 4; ++i) png[crc_at + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
    pos = crc_at + 4;
  }
}

}  // namespace qforge::fuzz
