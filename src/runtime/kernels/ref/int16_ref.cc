// Reference int16 HardSwish and Softmax.
#include "runtime/kernels/ref/int16_ref.h"

#include <algorithm>
#include <cmath>

#include "runtime/quant_math.h"

namespace qforge::runtime::ref {

void HardSwish(double input_scale, double output_scale, int64_t size, const int16_t* input,
               int16_t* output) {
  for (int64_t i = 0; i < size; ++i) {
    const double x = input[i] * input_scale;
    output[i] = QuantizeTo<int16_t>(x * std::clamp(x + 3.0, 0.0, 6.0) / 6.0, output_scale, 0);
  }
}

void Softmax(double input_scale, double beta, int rows, int depth, const int16_t* input,
             int16_t* output, double* e) {
  for (int r = 0; r < rows; ++r) {
    const int16_t* x = input + static_cast<int64_t>(r) * depth;
    int16_t* y = output + static_cast<int64_t>(r) * depth;
    const int max = *std::max_element(x, x + depth);
    double sum = 0.0;
    for (int i = 0; i < depth; ++i) sum += e[i] = std::exp((x[i] - max) * input_scale * beta);
    for (int i = 0; i < depth; ++i) y[i] = QuantizeTo<int16_t>(e[i] / sum, 1.0 / 32768.0, 0);
  }
}

}  // namespace qforge::runtime::ref
