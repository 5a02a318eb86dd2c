// oneDNN max / average pooling (forward, backward) on plain NCHW buffers. Max pooling keeps
// the training forward's workspace (argmax) for the backward pass.
#pragma once

#include <array>
#include <map>
#include <memory>

#include "ops/ref/pool_ref.h"

namespace qforge::onednn {

class PoolPrimitives {
 public:
  explicit PoolPrimitives(bool max);
  ~PoolPrimitives();
  void Forward(const ref::PoolShape& s, bool training, const float* x, float* y);
  // Requires a training Forward of the same shape before it.
  void Backward(const ref::PoolShape& s, const float* dy, float* dx);

 private:
  struct Entry;
  Entry& Get(const ref::PoolShape& s);
  bool max_;
  std::map<std::array<int64_t, 12>, std::unique_ptr<Entry>> cache_;
};

}  // namespace qforge::onednn
