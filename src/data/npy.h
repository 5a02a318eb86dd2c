// NPY (NumPy array file, format 1.0/2.0/3.0): typed arrays as they are in the file — int8,
// uint8, int16, int32, int64, float16, float32, float64, little-endian, C order — parsed with
// every header field and size validated, and written back; plus float32 tensors for callers
// that want floats (ReadNpy converts any of those types). NPZ archives: data/npz.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"

namespace qforge {

enum class NpyType { kInt8, kUInt8, kInt16, kInt32, kInt64, kFloat16, kFloat32, kFloat64 };

const char* NpyTypeName(NpyType type);  // "int8", ..., "float64" (NumPy's names)
int NpyTypeSize(NpyType type);
bool NpyTypeIsInteger(NpyType type);

struct NpyArray {
  NpyType type = NpyType::kFloat32;
  Shape shape;                // () for a scalar
  std::vector<uint8_t> data;  // size() * NpyTypeSize(type) bytes, little-endian
  int64_t size() const;
  double At(int64_t i) const;  // element i as a double (exact for every type but int64 > 2^53)
};

StatusOr<NpyArray> ParseNpyArray(const std::vector<uint8_t>& bytes, const std::string& what);

// An NPY file's header: type, shape, and where its data starts — what reading one example of
// a large array needs. Parsed from the first `available` bytes of a `file_size`-byte file
// (checked: the data fills the rest exactly); ReadNpyHeader reads only those bytes.
struct NpyHeader {
  NpyType type = NpyType::kFloat32;
  Shape shape;
  uint64_t data_offset = 0;
};
StatusOr<NpyHeader> ParseNpyHeader(const uint8_t* bytes, size_t available, uint64_t file_size, const std::string& what);
StatusOr<NpyHeader> ReadNpyHeader(const std::string& path);
std::vector<uint8_t> SerializeNpy(const NpyArray& array);

// An array converted to float32, and the same for a file.
StatusOr<Tensor> ParseNpy(const std::vector<uint8_t>& bytes, const std::string& what);
StatusOr<Tensor> ReadNpy(const std::string& path);
NpyArray NpyFromTensor(const Tensor& t);
Status WriteNpy(const std::string& path, const Tensor& t);

}  // namespace qforge
