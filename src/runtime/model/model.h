// Model: a loaded, verified .qfm file. The bytes are memory-mapped (zero copy) and checked
// with the FlatBuffers verifier and then semantically (indices, shapes, buffer sizes,
// quantization parameters) before anything can run them; a Model that loaded is safe to
// interpret. Immutable after loading, so interpreters on several threads may share one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "runtime/model/qfm_generated.h"
#include "runtime/status.h"

namespace qforge::runtime {

// The .qfm format version this build reads and writes.
inline constexpr uint32_t kQfmVersion = 1;

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

 private:
  Model() = default;
  static StatusOr<std::shared_ptr<const Model>> Verify(std::unique_ptr<Model> model,
                                                       const std::string& what);

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  void* mapping_ = nullptr;           // mmap'ed file, or
  std::unique_ptr<uint8_t[]> owned_;  // a private copy
  const qfm::Model* flat_ = nullptr;
};

// Bytes per element of a tensor type.
int DTypeSize(qfm::DType type);

}  // namespace qforge::runtime
