// Where a .qfm file's bytes go: coded weights (codebooks, index streams, sparse gap streams),
// raw weights, biases, other constants, metadata and structure (tensors, operators,
// quantization tables), and the ratio to the same parameters stored as float32.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/model/model.h"

namespace qforge::convert {

struct ModelBytes {
  int64_t codebooks = 0, indices = 0, sparse_indices = 0;  // coded buffers
  int64_t weights = 0;          // raw weight buffers (input 1 of conv, depthwise, dense)
  int64_t biases = 0;           // input 2 of those
  int64_t other_constants = 0;
  int64_t metadata = 0;
  int64_t structure = 0;        // everything else
  int64_t total = 0;            // the file
  int64_t parameters = 0;       // elements of every constant tensor
  // What the parameters would take as float32 and the file's ratio to it.
  int64_t float32_bytes() const { return 4 * parameters; }
  double compression_ratio() const { return total > 0 ? static_cast<double>(float32_bytes()) / total : 0.0; }
};

ModelBytes MeasureModelBytes(const runtime::Model& model);
nlohmann::json ToJson(const ModelBytes& bytes);
// "codebooks N, indices N, sparse indices N, raw weights N, biases N, ..., structure N".
std::string PartsText(const ModelBytes& bytes);

}  // namespace qforge::convert
