// Tensor: a dense, 64-byte aligned float array with a shape (NCHW for images).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/aligned_allocator.h"

namespace qforge {

using Shape = std::vector<int64_t>;

int64_t NumElements(const Shape& shape);
std::string ShapeToString(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(Shape shape, float fill = 0.0f);

  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const { return shape_[i]; }
  int64_t size() const { return static_cast<int64_t>(data_.size()); }
  bool empty() const { return data_.empty(); }

  float* data() { return data_.data(); }
  const float* data() const { return data_.data(); }
  float& operator[](int64_t i) { return data_[i]; }
  float operator[](int64_t i) const { return data_[i]; }

  // Changes the shape; keeps capacity, so a steady-state training loop does not allocate.
  // Contents are unspecified afterwards unless the element count is unchanged.
  void Resize(const Shape& shape);
  // Same element count, new shape.
  void Reshape(const Shape& shape);
  void Fill(float value);

 private:
  Shape shape_;
  std::vector<float, AlignedAllocator<float>> data_;
};

}  // namespace qforge
