// Band sizes and the padded copy of a band's input rows.
#include "runtime/kernels/padded_bands.h"

#include <algorithm>
#include <cstring>

namespace qforge::runtime {

int PaddedBands::PaddedWidth(const ConvGeometry& g) {
  return std::max(g.pad_left + g.in_w, (g.out_w - 1) * g.stride_w + (g.kernel_w - 1) * g.dilation_w + 1);
}

std::vector<int64_t> PaddedBands::TapOffsets(const ConvGeometry& g) {
  const int64_t row = static_cast<int64_t>(PaddedWidth(g)) * g.in_c;  // a padded row's elements
  std::vector<int64_t> offsets;
  for (int ky = 0; ky < g.kernel_h; ++ky)
    for (int kx = 0; kx < g.kernel_w; ++kx)
      offsets.push_back(ky * g.dilation_h * row + static_cast<int64_t>(kx) * g.dilation_w * g.in_c);
  return offsets;
}

PaddedBands::PaddedBands(const ConvGeometry& g, const ThreadPool* pool, int64_t work_per_row, int slack,
                         int element_bytes)
    : g_(g), slack_(slack), element_bytes_(element_bytes), pixel_bytes_(g.in_c * element_bytes) {
  const int threads = pool ? pool->size() : 1;
  const int wanted = g.batch >= threads ? 1 : std::min(g.out_h, (4 * threads + g.batch - 1) / g.batch);
  const int bands = pool ? pool->TasksFor(work_per_row * g.out_h, wanted) : 1;
  band_rows_ = (g.out_h + bands - 1) / bands;
  bands_per_image_ = (g.out_h + band_rows_ - 1) / band_rows_;
  padded_w_ = PaddedWidth(g);
  row_bytes_ = static_cast<int64_t>(padded_w_) * pixel_bytes_;
  const int input_rows = (band_rows_ - 1) * g.stride_h + (g.kernel_h - 1) * g.dilation_h + 1;
  band_bytes_ = input_rows * row_bytes_ + slack;
}

void PaddedBands::Fill(int t, const int8_t* input, int32_t zero_point, uint8_t flip, CopyRun copy, int8_t* scratch,
                       int* image, int* first_out_row, int* out_rows) const {
  const ConvGeometry& g = g_;
  *image = t / bands_per_image_;
  *first_out_row = t % bands_per_image_ * band_rows_;
  *out_rows = std::min(band_rows_, g.out_h - *first_out_row);
  const int c = pixel_bytes_, first_in_row = *first_out_row * g.stride_h - g.pad_top;
  const int in_rows = (*out_rows - 1) * g.stride_h + (g.kernel_h - 1) * g.dilation_h + 1;
  const auto pad = static_cast<uint8_t>(static_cast<uint8_t>(zero_point) ^ flip);
  const auto* image_bytes =
      reinterpret_cast<const uint8_t*>(input) + static_cast<int64_t>(*image) * g.in_h * g.in_w * c;
  auto* padded = reinterpret_cast<uint8_t*>(scratch);
  for (int i = 0; i < in_rows; ++i) {
    uint8_t* dst = padded + i * row_bytes_;
    const int iy = first_in_row + i;
    if (iy < 0 || iy >= g.in_h) {
      std::memset(dst, pad, row_bytes_);
      continue;
    }
    std::memset(dst, pad, static_cast<size_t>(g.pad_left) * c);
    copy(dst + g.pad_left * c, image_bytes + static_cast<int64_t>(iy) * g.in_w * c, g.in_w * c, flip);
    std::memset(dst + (g.pad_left + g.in_w) * c, pad, static_cast<size_t>(padded_w_ - g.pad_left - g.in_w) * c);
  }
  std::memset(padded + in_rows * row_bytes_, pad, slack_);
}

}  // namespace qforge::runtime
