// ExampleSource: a dataset's examples read when a batch needs them instead of held in memory.
// An ImageDataset with a source holds no pixels, only its size, shape and labels; BatchIterator
// reads its examples on worker threads ahead of the training step (data/batch_prefetcher.h).
#pragma once

#include <cstdint>

#include "core/status.h"

namespace qforge {

class ExampleSource {
 public:
  virtual ~ExampleSource() = default;
  // Example `index` as 8-bit pixels, channels x height x width of its dataset, into `pixels`.
  // Called from several threads at once.
  virtual Status Read(int64_t index, uint8_t* pixels) const = 0;
};

}  // namespace qforge
