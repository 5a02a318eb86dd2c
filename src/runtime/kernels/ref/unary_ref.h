// Reference kernels of the element-wise unary operators, made from one function per operator
// (fn.F<Real>, written once for float and double; static, or a member reading the operator's
// options such as CLIP's bounds): float tensors compute F<float> per
// element; int8 tensors look up a 256-entry table of F<double> over every input level
// (kernels/ref/lut_ref.h); int16 (16x8 mode, symmetric) tensors compute F<double> per element
// and round half away from zero. C++17, header-only.
#pragma once

#include <cstdint>

#include "runtime/kernels/ref/lut_ref.h"
#include "runtime/quant_math.h"

namespace qforge::runtime {

template <typename Fn>
Int8Table MakeUnaryTable(double input_scale, int32_t input_zero_point, double output_scale, int32_t output_zero_point,
                         const Fn& fn = Fn{}) {
  return MakeActivationTable(input_scale, input_zero_point, output_scale, output_zero_point,
                             [&fn](double x) { return fn.template F<double>(x); });
}

namespace ref {

template <typename Fn>
void Unary(int64_t size, const float* input, float* output, const Fn& fn = Fn{}) {
  for (int64_t i = 0; i < size; ++i) output[i] = fn.template F<float>(input[i]);
}

// out = clamp(round_half_away(F(x * input_scale) / output_scale)).
template <typename Fn>
void Unary(double input_scale, double output_scale, int64_t size, const int16_t* input, int16_t* output,
           const Fn& fn = Fn{}) {
  for (int64_t i = 0; i < size; ++i)
    output[i] = QuantizeTo<int16_t>(fn.template F<double>(input[i] * input_scale), output_scale, 0);
}

}  // namespace ref
}  // namespace qforge::runtime
