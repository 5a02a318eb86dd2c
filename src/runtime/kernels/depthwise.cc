// Depthwise weight packing and the dispatcher; the scalar fallback (ISA ref, builds without x86
// kernels) walks the taps with the reference's loop.
#include "runtime/kernels/depthwise.h"

#include <algorithm>

#include "runtime/kernels/ref/conv_loops.h"
#include "runtime/quant_math.h"

namespace qforge::runtime {
namespace {

void DepthwiseScalar(const DepthwiseWeights& w, const int8_t* input, int8_t* output, int row_begin, int row_end) {
  const ConvGeometry& g = w.g;
  for (int row = row_begin; row < row_end; ++row) {
    const int b = row / g.out_h, oy = row % g.out_h;
    for (int ox = 0; ox < g.out_w; ++ox)
      for (int c = 0; c < g.out_c; ++c) {
        int32_t acc = w.bias[c];
        ref::ForEachConvTap(g, b, oy, ox, [&](int64_t in_index, int tap) {
          acc += w.w[tap * w.padded_c + c] * (input[in_index + c] - w.input_zero_point);
        });
        const int32_t v = MultiplyByQuantizedMultiplier(acc, w.multiplier[c], w.left_shift[c] - w.right_shift[c]);
        output[ref::OutputIndex(g, b, oy, ox, c)] = static_cast<int8_t>(std::clamp(v + w.output_zero_point, w.act_min, w.act_max));
      }
  }
}

}  // namespace

DepthwiseWeights PackDepthwise(Isa isa, const ConvGeometry& g, const int8_t* filter, const int32_t* bias,
                               const Requantization& q) {
  DepthwiseWeights p;
  p.isa = isa;
  p.g = g;
  p.padded_c = (g.out_c + 15) / 16 * 16;
  const int taps = g.kernel_h * g.kernel_w;
  p.w.assign(static_cast<size_t>(taps) * p.padded_c, 0);
  for (int t = 0; t < taps; ++t)
    for (int c = 0; c < g.out_c; ++c) p.w[t * p.padded_c + c] = filter[t * g.out_c + c];
  p.bias.assign(p.padded_c, 0);
  p.multiplier.assign(p.padded_c, 0);
  p.left_shift.assign(p.padded_c, 0);
  p.right_shift.assign(p.padded_c, 0);
  for (int c = 0; c < g.out_c; ++c) {
    p.bias[c] = bias ? bias[c] : 0;
    p.multiplier[c] = q.multiplier[c];
    p.left_shift[c] = std::max(q.shift[c], 0);
    p.right_shift[c] = std::max(-q.shift[c], 0);
  }
  p.inside_bias = p.bias;
  for (int t = 0; t < taps; ++t)
    for (int c = 0; c < g.out_c; ++c) p.inside_bias[c] -= q.input_zero_point * p.w[t * p.padded_c + c];
  for (int ky = 0; ky < g.kernel_h; ++ky)
    for (int kx = 0; kx < g.kernel_w; ++kx)
      p.tap_offsets.push_back((static_cast<int64_t>(ky) * g.dilation_h * g.in_w + kx * g.dilation_w) * g.in_c);
  p.input_zero_point = q.input_zero_point;
  p.output_zero_point = q.output_zero_point;
  p.act_min = q.act_min;
  p.act_max = q.act_max;
  return p;
}

void Depthwise(const DepthwiseWeights& w, const int8_t* input, int8_t* output, int row_begin, int row_end) {
  switch (w.isa) {
#if defined(QFORGE_X86_KERNELS)
    case Isa::kAvx512Vnni: return DepthwiseAvx512(w, input, output, row_begin, row_end);
    case Isa::kAvx2: return DepthwiseAvx2(w, input, output, row_begin, row_end);
#endif
    default: return DepthwiseScalar(w, input, output, row_begin, row_end);
  }
}

}  // namespace qforge::runtime
