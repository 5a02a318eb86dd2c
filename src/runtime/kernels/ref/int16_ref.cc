// Reference int16 Softmax.
#include "runtime/kernels/ref/int16_ref.h"

#include <algorithm>
#include <cmath>

#include "runtime/quant_math.h"

namespace qforge::runtime::ref {

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
