// The depthwise family's table, weight packing and DepthwiseRunner (padded bands on the thread
// pool).
#include "runtime/kernels/depthwise.h"

#include <algorithm>

#include "runtime/wrapping_math.h"

namespace qforge::runtime {

const std::vector<DepthwiseKernel>& DepthwiseKernels() {
  static const std::vector<DepthwiseKernel> family = {
      {Isa::kRef, "ref", CopyFlipped, nullptr},
#if defined(QFORGE_X86_KERNELS)
      {Isa::kAvx2, "depthwise avx2", CopyFlipped, DepthwiseBandAvx2},
      {Isa::kAvx512Vnni, "depthwise avx512vnni", CopyFlippedAvx512, DepthwiseBandAvx512},
#endif
#if defined(QFORGE_ARM_KERNELS)
      {Isa::kNeon, "depthwise neon", CopyFlipped, DepthwiseBandNeon},
#endif
  };
  return family;
}

std::vector<int32_t> DepthwiseLowHalfWeights(const ConvGeometry& g, const int8_t* filter, int padded_c) {
  const int taps = g.kernel_h * g.kernel_w;
  std::vector<int32_t> w(static_cast<size_t>(taps) * padded_c, 0);
  for (int t = 0; t < taps; ++t)
    for (int c = 0; c < g.out_c; ++c) w[static_cast<size_t>(t) * padded_c + c] = static_cast<uint16_t>(filter[t * g.out_c + c]);
  return w;
}

DepthwiseWeights PackDepthwise(const DepthwiseKernel& kernel, const ConvGeometry& g, const int8_t* filter,
                               const int32_t* bias, const Requantization& q) {
  DepthwiseWeights p;
  p.kernel = &kernel;
  p.g = g;
  p.padded_c = (g.out_c + 15) / 16 * 16;
  const int taps = g.kernel_h * g.kernel_w;
  p.w = DepthwiseLowHalfWeights(g, filter, p.padded_c);
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
    for (int c = 0; c < g.out_c; ++c)
      p.inside_bias[c] = WrappingSub(p.inside_bias[c], q.input_zero_point * filter[t * g.out_c + c]);
  p.tap_offsets = PaddedBands::TapOffsets(g);
  p.input_zero_point = q.input_zero_point;
  p.output_zero_point = q.output_zero_point;
  p.act_min = q.act_min;
  p.act_max = q.act_max;
  return p;
}

DepthwiseRunner::DepthwiseRunner(DepthwiseWeights weights, ThreadPool* pool) : weights_(std::move(weights)), pool_(pool) {
  const int threads = pool ? pool->size() : 1;
  const ConvGeometry& g = weights_.g;
  bands_ = PaddedBands(g, pool, static_cast<int64_t>(g.out_w) * g.out_c * g.kernel_h * g.kernel_w, /*slack=*/0);
  scratch_.assign(static_cast<size_t>(bands_.band_bytes()) * threads, 0);
}

void DepthwiseRunner::Run(const int8_t* input, int8_t* output) {
  const ConvGeometry& g = weights_.g;
  RunTasks(pool_, bands_.tasks(), [&](int t, int worker) {
    int8_t* padded = scratch_.data() + worker * bands_.band_bytes();
    int image = 0, first_out_row = 0, out_rows = 0;
    bands_.Fill(t, input, weights_.input_zero_point, 0x00, weights_.kernel->copy, padded, &image, &first_out_row, &out_rows);
    int8_t* out = output + (static_cast<int64_t>(image) * g.out_h + first_out_row) * g.out_w * g.out_c;
    weights_.kernel->run(weights_, padded, bands_.row_bytes(), out_rows, out);
  });
}

}  // namespace qforge::runtime
