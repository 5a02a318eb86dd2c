// Model: a loaded, verified .qfm file. The bytes are memory-mapped (zero copy) and checked
// with the FlatBuffers verifier and then semantically (indices, shapes, buffer sizes,
// quantization parameters) before anything can run them; a Model that loaded is safe to
// interpret. Coded buffers (version 2 files, `qforge compress`) are decoded once at load into
// 64-byte aligned memory the Model owns. Immutable after loading, so interpreters on several
// threads may share one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/aligned_allocator.h"

#include "runtime/model/qfm_generated.h"
#include "qforge/status.h"

namespace qforge::runtime {

// The .qfm format versions this build reads and writes: 1, and 2 for files with coded buffers.
inline constexpr uint32_t kQfmVersion = 1;
inline constexpr uint32_t kQfmCodedVersion = 2;

// What decoding the coded buffers at load took.
struct DecodeStats {
  int coded_buffers = 0;
  size_t coded_bytes = 0;    // codebooks and streams
  size_t decoded_bytes = 0;  // what they became
  double seconds = 0.0;
};

class Model {
 public:
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  static StatusOr<std::shared_ptr<const Model>> Load(const std::string& path);
  // Verifies bytes already in memory (copied into the Model); `what` names them in errors.
  static StatusOr<std::shared_ptr<const Model>> FromBytes(const uint8_t* data, size_t size,
                                                          const std::string& what);

  const qfm::Model& flat() const { return *flat_; }
  size_t size_bytes() const { return size_; }
  // The bytes of buffer `index` (decoded if coded).
  const uint8_t* buffer_data(uint32_t index) const;
  size_t buffer_size(uint32_t index) const;
  const DecodeStats& decode_stats() const { return decode_stats_; }

 private:
  Model() = default;
  static StatusOr<std::shared_ptr<const Model>> Verify(std::unique_ptr<Model> model,
                                                       const std::string& what);
  Status DecodeBuffers(const std::string& what);

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  void* mapping_ = nullptr;           // mmap'ed file, or
  std::unique_ptr<uint8_t[]> owned_;  // a private copy
  const qfm::Model* flat_ = nullptr;
  std::vector<std::vector<uint8_t, AlignedAllocator<uint8_t>>> decoded_;  // per buffer; empty if raw
  DecodeStats decode_stats_;
};

// Bytes per element of a tensor type.
int DTypeSize(qfm::DType type);

}  // namespace qforge::runtime
