// Reference kernels of the 16x8 mode that have no 256-entry table form: HardSwish and Softmax
// on int16 symmetric activations, computed in double per element and rounded half away from
// zero (a 65536-entry table would give the same bytes).
#pragma once

#include <cstdint>

namespace qforge::runtime::ref {

// out = clamp(round_half_away(hardswish(x * input_scale) / output_scale)).
void HardSwish(double input_scale, double output_scale, int64_t size, const int16_t* input,
               int16_t* output);

// Softmax over the last dimension of [rows, depth]; output scale 1/32768, zero point 0:
// out = clamp(round_half_away(e / sum(e) * 32768)), e = exp((x - max) * input_scale * beta)
// in double, summed in index order. `scratch` holds `depth` doubles.
void Softmax(double input_scale, double beta, int rows, int depth, const int16_t* input,
             int16_t* output, double* scratch);

}  // namespace qforge::runtime::ref
