// Float depthwise layers on padded bands.
#include "runtime/kernels/float_conv.h"

namespace qforge::runtime {

FloatDepthwise::FloatDepthwise(const ConvGeometry& g, const FloatKernels& kernel, const float* filter,
                               const float* bias, ref::FloatActivation act, ThreadPool* pool)
    : g_(g), kernel_(&kernel), pool_(pool), act_(act),
      filter_(filter, filter + static_cast<int64_t>(g.kernel_h) * g.kernel_w * g.out_c),
      tap_offsets_(PaddedBands::TapOffsets(g)) {
  if (bias) bias_.assign(bias, bias + g.out_c);
  const int taps = g.kernel_h * g.kernel_w;
  bands_ = PaddedBands(g, pool, static_cast<int64_t>(g.out_w) * g.out_c * taps, 0, sizeof(float));
  scratch_.assign(static_cast<size_t>(bands_.band_elements()) * (pool ? pool->size() : 1), 0.0f);
}

void FloatDepthwise::Run(const float* input, float* output) {
  const ConvGeometry& g = g_;
  RunTasks(pool_, bands_.tasks(), [&](int t, int worker) {
    float* scratch = scratch_.data() + worker * bands_.band_elements();
    int image = 0, first_row = 0, rows = 0;
    bands_.FillUnchanged(t, input, scratch, &image, &first_row, &rows);
    kernel_->depthwise(g, act_, scratch, bands_.row_elements(), rows, filter_.data(), tap_offsets_.data(),
                       bias_.empty() ? nullptr : bias_.data(),
                       output + (static_cast<int64_t>(image) * g.out_h + first_row) * g.out_w * g.out_c);
  });
}

}  // namespace qforge::runtime
