// PNG's chunk layout (PNG specification, section 5.3): after the 8-byte signature, chunks of a
// 4-byte big-endian data length, a 4-byte type, the data, and a CRC-32 of type and data. Shared
// by the PNG readers, the fuzz targets and the tests that build or damage PNG files.
#pragma once

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qforge::png {

constexpr size_t kFirstChunk = 8;     // the signature's length
constexpr size_t kChunkOverhead = 12;  // length, type and CRC around a chunk's data

inline uint32_t ReadBigEndian32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

inline void WriteBigEndian32(uint32_t value, uint8_t* p) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(value >> (24 - 8 * i));
}

// The CRC a chunk of LENGTH data bytes starting at CHUNK should carry (over type and data).
inline uint32_t ChunkCrc(const uint8_t* chunk, uint32_t length) {
  return static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), chunk + 4, static_cast<uInt>(length) + 4));
}

// Rewrites the CRC of the chunk at CHUNK (its length field read from the file; it must fit).
inline void FixChunkCrc(std::vector<uint8_t>& png, size_t chunk) {
  const uint32_t length = ReadBigEndian32(&png[chunk]);
  WriteBigEndian32(ChunkCrc(&png[chunk], length), &png[chunk + 8 + length]);
}

}  // namespace qforge::png
