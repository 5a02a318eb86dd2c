// Reference Softmax of the 16x8 mode on int16 symmetric activations, computed in double and
// rounded half away from zero (the element-wise unary operators are in kernels/ref/unary_ref.h).
#pragma once

#include <cstdint>

namespace qforge::runtime::ref {

// Softmax over the last dimension of [rows, depth]; output scale 1/32768, zero point 0:
// out = clamp(round_half_away(e / sum(e) * 32768)), e = exp((x - max) * input_scale * beta)
// in double, summed in index order. `scratch` holds `depth` doubles.
void Softmax(double input_scale, double beta, int rows, int depth, const int16_t* input,
             int16_t* output, double* scratch);

}  // namespace qforge::runtime::ref
