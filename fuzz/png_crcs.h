// Rewrites the CRC of every whole chunk of a PNG file, so that fuzzed bytes reach the chunk
// contents and the image data instead of stopping at the checksum (the decoders' CRC checks
// have their own tests).
#pragma once

#include <cstdint>
#include <vector>

#include "data/png_chunks.h"

namespace qforge::fuzz {

inline void FixPngCrcs(std::vector<uint8_t>& png) {
  for (size_t pos = png::kFirstChunk; pos + png::kChunkOverhead <= png.size();) {
    const uint32_t length = png::ReadBigEndian32(&png[pos]);
    if (length > png.size() - pos - png::kChunkOverhead) return;
    png::FixChunkCrc(png, pos);
    pos += png::kChunkOverhead + length;
  }
}

}  // namespace qforge::fuzz
