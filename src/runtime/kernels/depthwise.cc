// Depthwise weight packing and DepthwiseRunner (padded bands on the thread pool); the scalar
// fallback (ISA ref) walks the taps with the reference's loop.
#include "runtime/kernels/depthwise.h"

#include <algorithm>

#include "runtime/kernels/ref/conv_loops.h"
#include "runtime/quant_math.h"

namespace qforge::runtime {
namespace {

// True where `isa`'s band kernels are compiled in.
bool HasBandKernels(Isa isa) {
#if defined(QFORGE_X86_KERNELS)
  return isa != Isa::kRef;
#else
  (void)isa;
  return false;
#endif
}

void DepthwiseScalar(const DepthwiseWeights& w, const int8_t* input, int8_t* output) {
  const ConvGeometry& g = w.g;
  for (int row = 0; row < g.batch * g.out_h; ++row) {
    const int b = row / g.out_h, oy = row % g.out_h;
    for (int ox = 0; ox < g.out_w; ++ox)
      for (int c = 0; c < g.out_c; ++c) {
        int32_t acc = w.bias[c];
        ref::ForEachConvTap(g, b, oy, ox, [&](int64_t in_index, int tap) {
          acc += static_cast<int16_t>(w.w[tap * w.padded_c + c]) * (input[in_index + c] - w.input_zero_point);
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
    for (int c = 0; c < g.out_c; ++c) p.w[t * p.padded_c + c] = static_cast<uint16_t>(filter[t * g.out_c + c]);
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
    for (int c = 0; c < g.out_c; ++c) p.inside_bias[c] -= q.input_zero_point * filter[t * g.out_c + c];
  const int64_t padded_row = static_cast<int64_t>(PaddedBands::PaddedWidth(g)) * g.in_c;
  for (int ky = 0; ky < g.kernel_h; ++ky)
    for (int kx = 0; kx < g.kernel_w; ++kx)
      p.tap_offsets.push_back(ky * g.dilation_h * padded_row + static_cast<int64_t>(kx) * g.dilation_w * g.in_c);
  p.input_zero_point = q.input_zero_point;
  p.output_zero_point = q.output_zero_point;
  p.act_min = q.act_min;
  p.act_max = q.act_max;
  return p;
}

DepthwiseRunner::DepthwiseRunner(DepthwiseWeights weights, ThreadPool* pool) : w_(std::move(weights)), pool_(pool) {
  if (!HasBandKernels(w_.isa)) return;
  const int threads = pool ? pool->size() : 1;
  const ConvGeometry& g = w_.g;
  bands_ = PaddedBands(g, pool, static_cast<int64_t>(g.out_w) * g.out_c * g.kernel_h * g.kernel_w, /*slack=*/0);
  scratch_.assign(static_cast<size_t>(bands_.band_bytes()) * threads, 0);
}

void DepthwiseRunner::Run(const int8_t* input, int8_t* output) {
  const ConvGeometry& g = w_.g;
  if (!HasBandKernels(w_.isa)) return DepthwiseScalar(w_, input, output);
  RunTasks(pool_, bands_.tasks(), [&](int t, int worker) {
    int8_t* padded = scratch_.data() + worker * bands_.band_bytes();
    int image = 0, first_out_row = 0, out_rows = 0;
    bands_.Fill(t, input, w_.input_zero_point, 0x00, CopyFlippedFor(w_.isa), padded, &image, &first_out_row, &out_rows);
    int8_t* out = output + (static_cast<int64_t>(image) * g.out_h + first_out_row) * g.out_w * g.out_c;
    switch (w_.isa) {
#if defined(QFORGE_X86_KERNELS)
      case Isa::kAvx512Vnni: return DepthwiseBandAvx512(w_, padded, bands_.row_bytes(), out_rows, out);
      case Isa::kAvx2: return DepthwiseBandAvx2(w_, padded, bands_.row_bytes(), out_rows, out);
#endif
      default: return;
    }
  });
}

}  // namespace qforge::runtime
