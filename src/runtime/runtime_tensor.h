// RuntimeTensor: a tensor as the interpreter sees it after preparation — type, shape with the
// batch size applied, quantization parameters and where its bytes live (the model's buffer
// for constants, the arena for activations).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/model/qfm_generated.h"

namespace qforge::runtime {

struct RuntimeTensor {
  std::string name;
  qfm::DType dtype = qfm::DType::FLOAT32;
  std::vector<int> shape;
  int64_t elements = 0;
  int64_t bytes = 0;
  std::vector<float> scale;         // empty when not quantized
  std::vector<int64_t> zero_point;  // same length as scale
  int quantized_dimension = 0;
  int bits = 0;                     // n-bit grid inside the type (0: full width)
  bool constant = false;            // weights: bytes in the model file, read-only
  uint8_t* data = nullptr;

  bool quantized() const { return !scale.empty(); }
  bool per_tensor() const { return scale.size() == 1; }
  template <typename T>
  T* as() const { return reinterpret_cast<T*>(data); }
};

// "[1, 28, 28, 1]".
std::string ShapeString(const std::vector<int>& shape);

}  // namespace qforge::runtime
