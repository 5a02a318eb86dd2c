// oneDNN convolution (forward, backward data, backward weights) for one Conv2D op. Primitives
// are built on first use for each geometry and cached, so a training loop only executes them.
#pragma once

#include <array>
#include <map>
#include <memory>

#include "ops/ref/conv2d_ref.h"

namespace qforge::onednn {

class Conv2DPrimitives {
 public:
  Conv2DPrimitives();
  ~Conv2DPrimitives();
  void Forward(const ref::ConvShape& s, bool training, const float* x, const float* w,
               const float* b, float* y);
  void BackwardData(const ref::ConvShape& s, const float* w, const float* dy, float* dx);
  // db may be null.
  void BackwardWeights(const ref::ConvShape& s, const float* x, const float* dy, float* dw,
                       float* db);

 private:
  struct Entry;
  Entry& Get(const ref::ConvShape& s);
  std::map<std::array<int64_t, 16>, std::unique_ptr<Entry>> cache_;
};

}  // namespace qforge::onednn
