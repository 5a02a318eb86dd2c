// oneDNN average pooling (forward, backward) on plain NCHW buffers; padding taps are left out
// of each average, like the reference and TFLite.
#pragma once

#include <array>
#include <map>
#include <memory>

#include "ops/ref/pool_ref.h"

namespace qforge::onednn {

class AvgPoolPrimitives {
 public:
  AvgPoolPrimitives();
  ~AvgPoolPrimitives();
  void Forward(const ref::PoolShape& s, const float* x, float* y);
  void Backward(const ref::PoolShape& s, const float* dy, float* dx);

 private:
  struct Entry;
  Entry& Get(const ref::PoolShape& s);
  std::map<std::array<int64_t, 12>, std::unique_ptr<Entry>> cache_;
};

}  // namespace qforge::onednn
