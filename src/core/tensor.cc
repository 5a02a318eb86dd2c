// Tensor storage and shape helpers.
#include "core/tensor.h"

#include <algorithm>

#include "core/check.h"

namespace qforge {

int64_t NumElements(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string ShapeToString(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += shape[i] < 0 ? "N" : std::to_string(shape[i]);
  }
  return s + "]";
}

Tensor::Tensor(Shape shape, float fill) : shape_(std::move(shape)) {
  for (int64_t d : shape_) QF_CHECK(d >= 0);
  data_.assign(NumElements(shape_), fill);
}

void Tensor::Resize(const Shape& shape) {
  shape_ = shape;
  data_.resize(NumElements(shape_));
}

void Tensor::Reshape(const Shape& shape) {
  QF_CHECK(NumElements(shape) == size());
  shape_ = shape;
}

void Tensor::Fill(float value) { std::fill(data_.begin(), data_.end(), value); }

}  // namespace qforge
