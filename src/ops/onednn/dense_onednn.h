// oneDNN inner product (forward, backward data, backward weights) for one Dense op, with
// primitives cached per batch size.
#pragma once

#include <array>
#include <map>
#include <memory>

namespace qforge::onednn {

class DensePrimitives {
 public:
  DensePrimitives();
  ~DensePrimitives();
  // b may be null in Forward; db may be null in BackwardWeights.
  void Forward(int64_t n, int64_t k, int64_t m, const float* x, const float* w, const float* b,
               float* y);
  void BackwardData(int64_t n, int64_t k, int64_t m, const float* w, const float* dy, float* dx);
  void BackwardWeights(int64_t n, int64_t k, int64_t m, const float* x, const float* dy,
                       float* dw, float* db);

 private:
  struct Entry;
  Entry& Get(int64_t n, int64_t k, int64_t m);
  std::map<std::array<int64_t, 3>, std::unique_ptr<Entry>> cache_;
};

}  // namespace qforge::onednn
