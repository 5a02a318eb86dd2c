// Named arrays in and out of files: NPZ archives (NumPy's np.savez / np.savez_compressed: a zip
// of NAME.npy members, stored or deflated, zip64 fields as NumPy writes them) and single .npy
// files. Every offset, size and checksum of the archive is validated before use.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "data/npy.h"

namespace qforge {

struct NamedArray {
  std::string name;
  NpyArray array;
};

// The arrays of an .npz file (in archive order), or of an .npy file (one array, named "").
StatusOr<std::vector<NamedArray>> ReadArrays(const std::string& path);
StatusOr<std::vector<NamedArray>> ParseNpz(const std::vector<uint8_t>& bytes, const std::string& what);
// An uncompressed .npz that np.load reads; names must be unique and non-empty.
Status WriteNpz(const std::string& path, const std::vector<NamedArray>& arrays);

}  // namespace qforge
