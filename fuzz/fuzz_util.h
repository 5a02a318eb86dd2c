// Helpers shared by the fuzz targets: the input as a byte vector, and a cap on what a target
// may spend on one input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qforge::fuzz {

inline std::vector<uint8_t> Bytes(const uint8_t* data, size_t size) { return {data, data + size}; }

}  // namespace qforge::fuzz
