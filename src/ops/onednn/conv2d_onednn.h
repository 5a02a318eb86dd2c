// oneDNN convolution (forward, backward data, backward weights) for one Conv2D op. oneDNN
// picks its preferred (blocked) layouts; our NCHW / OIHW buffers are reordered at the edges,
// and a forward's reordered input and weights are reused by the backward pass that follows.
// Primitives and buffers are built on first use for each geometry and cached.
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
  void Forward(const ref::ConvShape& s, const float* x, const float* w, const float* b, float* y);
  // Gradients for the x, w, b of the preceding Forward; dx, dw, db may each be null.
  void Backward(const ref::ConvShape& s, const float* x, const float* w, const float* dy,
                float* dx, float* dw, float* db);

 private:
  struct Entry;
  Entry& Get(const ref::ConvShape& s);
  std::map<std::array<int64_t, 16>, std::unique_ptr<Entry>> cache_;
};

}  // namespace qforge::onednn
