// Reading whole files, transparently gunzipping .gz content, with a size cap so a hostile file
// cannot exhaust memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace qforge {

// Reads `path`; if it starts with the gzip magic it is decompressed. Fails (naming the file)
// if it is missing, unreadable, corrupt, or larger than max_bytes (as stored or decompressed).
StatusOr<std::vector<uint8_t>> ReadFileBytes(const std::string& path,
                                             uint64_t max_bytes = uint64_t{1} << 31);

// `bytes` decompressed if they start with the gzip magic, else as they are; `what` names them in
// errors, and the decompressed size may not exceed max_bytes.
StatusOr<std::vector<uint8_t>> DecompressIfGzip(std::vector<uint8_t> bytes, const std::string& what,
                                                uint64_t max_bytes = uint64_t{1} << 31);

// Writes via a temporary file in the same folder, fsync and rename, so readers never see a
// half-written file, even after a crash.
Status WriteFileAtomically(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace qforge
