// Float depthwise layers on padded bands.
#include "runtime/kernels/float_conv.h"


namespace qforge::runtime {
FloatDepthwise::FloatDepthwise(const ConvGeometry& g, const FloatKernels& kernel, const float* filter,
                               const float* bias, ref::FloatActivation act, ThreadPool* pool)
    : g_(g), kernel_(&kernel), pool_(pool), act_(act),
      filter_(filter, filter + static_cast<int64_t>(g.kernel_h) * g.kernel_w * g.out_c) {
  if (bias) bias_.assign(bias, bias + g.out_c);
  const int taps = g.kernel_h * g.kernel_w;
  bands_ = PaddedBands(g, pool, static_cast<int64_t>(g.out_w) * g.out_c * taps, 0, sizeof(float));
  const int64_t row_floats = bands_.row_bytes() / static_cast<int64_t>(sizeof(float));
  for (int ky = 0; ky < g.kernel_h; ++ky)
    for (int kx = 0; kx < g.kernel_w; ++kx)
      tap_offsets_.push_back(ky * g.dilation_h * row_floats + static_cast<int64_t>(kx) * g.dilation_w * g.in_c);
  scratch_.assign(static_cast<size_t>(bands_.band_bytes() / sizeof(float)) * (pool ? pool->size() : 1), 0.0f);
}

void FloatDepthwise::Run(const float* input, float* output) {
  const ConvGeometry& g = g_;
  const int64_t band_floats = bands_.band_bytes() / static_cast<int64_t>(sizeof(float));
  const int64_t row_floats = bands_.row_bytes() / static_cast<int64_t>(sizeof(float));
  RunTasks(pool_, bands_.tasks(), [&](int t, int worker) {
    float* scratch = scratch_.data() + worker * band_floats;
    int image = 0, first_row = 0, rows = 0;
    bands_.Fill(t, reinterpret_cast<const int8_t*>(input), 0, 0, PaddedBands::CopyUnchanged, reinterpret_cast<int8_t*>(scratch), &image,
                &first_row, &rows);
    kernel_->depthwise(g, act_, scratch, row_floats, rows, filter_.data(), tap_offsets_.data(),
                       bias_.empty() ? nullptr : bias_.data(),
                       output + (static_cast<int64_t>(image) * g.out_h + first_row) * g.out_w * g.out_c);
  });
}

}  // namespace qforge::runtime
