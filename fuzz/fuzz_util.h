// Shared by the fuzz targets: the input as the byte vector the readers take.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qforge::fuzz {

inline std::vector<uint8_t> Bytes(const uint8_t* data, size_t size) { return {data, data + size}; }

}  // namespace qforge::fuzz
