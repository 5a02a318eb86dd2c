// Fixed-width bit packing of small symbols (codebook indices, sparse gaps): `bits` bits per
// symbol, least significant bit first, the last byte padded with zero bits. C++17.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qforge::runtime::coding {

inline size_t PackedBytes(size_t count, int bits) { return (count * static_cast<size_t>(bits) + 7) / 8; }

// Symbols must be below 2^bits (bits 1..8).
inline std::vector<uint8_t> PackBits(const std::vector<uint8_t>& symbols, int bits) {
  std::vector<uint8_t> out(PackedBytes(symbols.size(), bits), 0);
  size_t bit = 0;
  for (uint8_t s : symbols) {
    const uint32_t v = static_cast<uint32_t>(s) << (bit % 8);
    out[bit / 8] |= static_cast<uint8_t>(v);
    if ((bit % 8) + bits > 8) out[bit / 8 + 1] |= static_cast<uint8_t>(v >> 8);
    bit += bits;
  }
  return out;
}

// Reads `count` symbols; `data` must hold PackedBytes(count, bits) bytes.
inline void UnpackBits(const uint8_t* data, size_t count, int bits, uint8_t* symbols) {
  const uint32_t mask = (1u << bits) - 1;
  size_t bit = 0;
  for (size_t i = 0; i < count; ++i, bit += bits) {
    uint32_t v = data[bit / 8];
    if ((bit % 8) + bits > 8) v |= static_cast<uint32_t>(data[bit / 8 + 1]) << 8;
    symbols[i] = static_cast<uint8_t>((v >> (bit % 8)) & mask);
  }
}

}  // namespace qforge::runtime::coding
