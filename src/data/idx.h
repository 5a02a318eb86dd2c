// IDX files (the MNIST / Fashion-MNIST format): big-endian header, unsigned-byte payload.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace qforge {

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};

// Parses an IDX file (optionally gzipped). Only the unsigned-byte element type is accepted.
StatusOr<IdxArray> ReadIdx(const std::string& path);
// Parses IDX bytes already in memory; `what` names them in errors.
StatusOr<IdxArray> ParseIdx(const std::vector<uint8_t>& bytes, const std::string& what);

}  // namespace qforge
