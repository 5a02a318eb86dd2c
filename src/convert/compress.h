// `qforge compress`: a .qfm model with its constant buffers coded as bytes (weight_coding.h) —
// the last stage of Deep Compression: int8 weights, and the int32 biases, whose high bytes are
// nearly all 0x00 or 0xFF. Buffers whose coding would not be smaller stay raw; coded
// input buffers are decoded and coded again. The result is loaded back and every buffer
// compared with the original before it is returned, so a written file always decodes to
// exactly the model it came from.
#pragma once

#include <cstdint>
#include <vector>

#include "convert/weight_coding.h"
#include "core/status.h"
#include "runtime/model/model.h"

namespace qforge::convert {

struct CompressResult {
  std::vector<uint8_t> bytes;  // the coded .qfm
  int coded_buffers = 0;
};

StatusOr<CompressResult> CompressQfm(const runtime::Model& model, const CodingOptions& options);

}  // namespace qforge::convert
