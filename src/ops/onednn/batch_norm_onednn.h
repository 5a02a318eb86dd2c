// oneDNN batch normalization (training forward with batch statistics, inference forward with
// given statistics, backward) on plain NCHW / NC buffers, primitives cached per shape.
#pragma once

#include <array>
#include <map>
#include <memory>

#include "ops/ref/batch_norm_ref.h"

namespace qforge::onednn {

class BatchNormPrimitives {
 public:
  BatchNormPrimitives();
  ~BatchNormPrimitives();
  // Training writes the batch mean and biased variance to mean / var; inference reads the
  // statistics to normalize with from them.
  void Forward(const ref::BatchNormShape& s, bool training, const float* x, const float* gamma,
               const float* beta, float* mean, float* var, float* y);
  // oneDNN asks for beta here too although the gradient does not depend on it.
  void Backward(const ref::BatchNormShape& s, const float* x, const float* gamma,
                const float* beta, const float* mean, const float* var, const float* dy,
                float* dx, float* dgamma, float* dbeta);

 private:
  struct Entry;
  Entry& Get(const ref::BatchNormShape& s);
  std::map<std::array<int64_t, 3>, std::unique_ptr<Entry>> cache_;
};

}  // namespace qforge::onednn
