// Validation helpers shared by the operator preparers: arity, types, ranks, quantization
// parameters and fused-activation bounds, each failing with a message that names the operator
// and the offending tensor.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <type_traits>

#include "runtime/kernels/int8_params.h"
#include "runtime/kernels/ref/elementwise_ref.h"
#include "runtime/kernels/ref/float_ref.h"
#include "runtime/op_kernel.h"

namespace qforge::runtime::ops {

// Inputs in [min_inputs, max_inputs] (absent optional ones included), exactly `outputs`.
Status CheckArity(const PrepareContext& c, size_t min_inputs, size_t max_inputs, size_t outputs);
// Every listed input that is present must exist; `required` inputs must be present.
Status CheckPresent(const PrepareContext& c, std::initializer_list<size_t> required);
Status CheckRank(const PrepareContext& c, const RuntimeTensor& t, size_t rank);
Status CheckDType(const PrepareContext& c, const RuntimeTensor& t, std::initializer_list<qfm::DType> allowed);
// Quantized with one scale and zero point (activations).
Status CheckPerTensor(const PrepareContext& c, const RuntimeTensor& t);
// Quantized symmetrically (zero points 0), per tensor or per slice of `axis` of length `channels`.
Status CheckWeightQuantization(const PrepareContext& c, const RuntimeTensor& t, int axis, int channels);
// Inputs and outputs must all have the same shape.
Status CheckSameShape(const PrepareContext& c, const RuntimeTensor& a, const RuntimeTensor& b);
// Same type, and for quantized types the same scale and zero point (ops that copy values).
Status CheckSameQuantization(const PrepareContext& c, const RuntimeTensor& a, const RuntimeTensor& b);
// A constant (weights) must be a constant; an activation must not be.
Status CheckConstant(const PrepareContext& c, const RuntimeTensor& t, bool constant);

// Scale of slice `channel` of a per-tensor or per-channel tensor.
inline float ScaleAt(const RuntimeTensor& t, int channel) {
  return t.scale[t.per_tensor() ? 0 : channel];
}

// Window geometry of a convolution or pooling over NHWC `input` -> `output`; checks strides,
// dilations and paddings, and that the output's spatial size is the one they imply.
struct Window {
  int kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
};
StatusOr<ConvGeometry> MakeGeometry(const PrepareContext& c, const RuntimeTensor& input,
                                    const RuntimeTensor& output, const Window& w);

// The window of a Conv2DOptions (with dilation) or Pool2DOptions table.
template <typename Options>
Window WindowOf(const Options& o, int kernel_h, int kernel_w) {
  Window w;
  w.kernel_h = kernel_h;
  w.kernel_w = kernel_w;
  w.stride_h = o.stride_h();
  w.stride_w = o.stride_w();
  if constexpr (std::is_same_v<Options, qfm::Conv2DOptions>) {
    w.dilation_h = o.dilation_h();
    w.dilation_w = o.dilation_w();
  }
  w.pad_top = o.pad_top();
  w.pad_left = o.pad_left();
  w.pad_bottom = o.pad_bottom();
  w.pad_right = o.pad_right();
  return w;
}

struct IntRange {
  int32_t min = 0, max = 0;
};
// The integer range of a quantized tensor: its type's, or its n-bit grid's.
IntRange TypeRange(const RuntimeTensor& t);
// Clamp bounds of a fused activation on a quantized (int8 or int16) output, within TypeRange.
IntRange QuantizedActivationRange(qfm::Activation activation, const RuntimeTensor& output);
ref::FloatActivation FloatActivationRange(qfm::Activation activation);

// Requantizing per-tensor quantized `in` to `out`'s grid (int8 or int16 each): fails unless the
// scale ratio can be applied without overflowing int32 (below 2^15).
StatusOr<RequantizeParams> MakeRequantizeParams(const PrepareContext& c, const RuntimeTensor& in,
                                                const RuntimeTensor& out);

}  // namespace qforge::runtime::ops
