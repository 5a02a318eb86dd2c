// Table-driven int8 kernels.
#include "runtime/kernels/ref/lut_ref.h"

#include <algorithm>
#include <cmath>

namespace qforge::runtime {

ExpTable MakeSoftmaxExpTable(double input_scale, double beta) {
  ExpTable table{};
  for (int d = 0; d < 256; ++d) table[d] = static_cast<float>(std::exp(-d * input_scale * beta));
  return table;
}

namespace ref {

void Lookup(const Int8Table& table, int64_t size, const int8_t* input, int8_t* output) {
  for (int64_t i = 0; i < size; ++i) output[i] = table[input[i] + 128];
}

void Softmax(const ExpTable& table, int rows, int depth, const int8_t* input, int8_t* output) {
  for (int r = 0; r < rows; ++r) {
    const int8_t* x = input + static_cast<int64_t>(r) * depth;
    int8_t* y = output + static_cast<int64_t>(r) * depth;
    const int max = *std::max_element(x, x + depth);
    float sum = 0.0f;
    for (int i = 0; i < depth; ++i) sum += table[max - x[i]];
    const float inv = 256.0f / sum;
    for (int i = 0; i < depth; ++i) {
      const float v = std::round(table[max - x[i]] * inv) - 128.0f;
      y[i] = static_cast<int8_t>(std::clamp(v, -128.0f, 127.0f));
    }
  }
}

}  // namespace ref
}  // namespace qforge::runtime
