// Table-driven int8 kernels. An int8 input has only 256 values, so element-wise activations
// (HardSwish, and any other) are exact as a 256-entry table built at prepare time, and softmax
// uses a table of exponentials per input scale — the formulation of TFLite's int8 softmax with
// a lookup table (rather than its gemmlowp fixed-point exp variant).
#pragma once

#include <array>
#include <cstdint>

#include "runtime/quant_math.h"

namespace qforge::runtime {

using Int8Table = std::array<int8_t, 256>;  // indexed by q + 128

// table[q] = clamp(zp_out + round_half_away(f((q - zp_in) * s_in) / s_out)).
template <typename Fn>
Int8Table MakeActivationTable(double input_scale, int32_t input_zero_point, double output_scale,
                               int32_t output_zero_point, Fn&& f);

// exp(-d * input_scale * beta) for d = max - q in 0..255.
using ExpTable = std::array<float, 256>;
ExpTable MakeSoftmaxExpTable(double input_scale, double beta = 1.0);

namespace ref {

void Lookup(const Int8Table& table, int64_t size, const int8_t* input, int8_t* output);

// Softmax over the last dimension of [rows, depth]; output scale 1/256, zero point -128:
// out = clamp(round_half_away(e / sum(e) * 256) - 128), e from the table, summed in float in
// index order.
void Softmax(const ExpTable& table, int rows, int depth, const int8_t* input, int8_t* output);

}  // namespace ref

template <typename Fn>
Int8Table MakeActivationTable(double input_scale, int32_t input_zero_point, double output_scale,
                               int32_t output_zero_point, Fn&& f) {
  Int8Table table{};
  for (int q = -128; q <= 127; ++q)
    table[q + 128] = QuantizeToInt8(f((q - input_zero_point) * input_scale), output_scale, output_zero_point);
  return table;
}

}  // namespace qforge::runtime
