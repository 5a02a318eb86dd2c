// NPY (NumPy array file, format 1.0/2.0) reading and writing for float32 tensors. Reading also
// accepts uint8, int32, int64 and float64 arrays, converted to float.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"

namespace qforge {

StatusOr<Tensor> ReadNpy(const std::string& path);
StatusOr<Tensor> ParseNpy(const std::vector<uint8_t>& bytes, const std::string& what);
Status WriteNpy(const std::string& path, const Tensor& t);

}  // namespace qforge
