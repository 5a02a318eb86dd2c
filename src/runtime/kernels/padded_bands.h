// Convolutions without border checks: the output rows are cut into bands (one task each), and
// each band's input rows are copied into scratch with the padding filled in — by the input
// zero point, which adds exactly nothing (the reference skips those taps; the kernels fold
// -zero_point * sum(w) into their bias). Every window then lies inside the copy: taps are fixed
// offsets from the window's origin. Used by ConvGemm (segmented GEMM, VNNI) and the depthwise
// kernels, and by the float convolutions (kernels/float_conv.h: 4-byte elements, padding 0.0f,
// all zero bytes). C++17.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "runtime/kernels/gemm.h"
#include "runtime/kernels/int8_params.h"
#include "runtime/thread_pool.h"

namespace qforge::runtime {

class PaddedBands {
 public:
  // The pool (null: one thread) sizes the bands: whole images when the batch feeds every
  // thread, else about 4 bands per thread, but none under the pool's minimum task work, given
  // `work_per_row` multiply-accumulates per output row. `slack` bytes after each band may be
  // read (and are padding). Elements are `element_bytes` wide (rows, bands and slack in bytes).
  PaddedBands(const ConvGeometry& g, const ThreadPool* pool, int64_t work_per_row, int slack, int element_bytes = 1);
  PaddedBands() = default;

  // A CopyRun for elements copied as they are (float and int16 bands: no flip).
  static void CopyUnchanged(uint8_t* dst, const uint8_t* src, int n, uint8_t /*flip*/) {
    std::memcpy(dst, src, static_cast<size_t>(n));
  }

  // Columns of the padded rows: the left padding, the image, the right padding windows need.
  static int PaddedWidth(const ConvGeometry& g);
  int64_t row_bytes() const { return row_bytes_; }    // one padded input row
  int64_t band_bytes() const { return band_bytes_; }  // scratch one band needs
  int64_t row_elements() const { return row_bytes_ / element_bytes_; }
  int64_t band_elements() const { return band_bytes_ / element_bytes_; }
  // Each tap's offset (ky * kernel_w + kx order), in elements, from its window's first tap in
  // the padded rows.
  static std::vector<int64_t> TapOffsets(const ConvGeometry& g);
  int band_rows() const { return band_rows_; }        // output rows per band
  int tasks() const { return g_.batch * bands_per_image_; }
  int ImageOf(int task) const { return task / bands_per_image_; }

  // Task t's band: fills `scratch` with its padded input rows, stored as byte ^ flip (0x80: the
  // VNNI form a + 128), and returns the image and first output row; out_rows is set to the
  // band's output rows. Window origin of output (row r of the band, column ox): scratch +
  // r * stride_h * row_bytes() + ox * stride_w * in_c.
  void Fill(int t, const int8_t* input, int32_t zero_point, uint8_t flip, CopyRun copy, int8_t* scratch, int* image,
            int* first_out_row, int* out_rows) const;
  // Fill for elements copied as they are, padding zero bytes (float and int16 bands).
  template <typename T>
  void FillUnchanged(int t, const T* input, T* scratch, int* image, int* first_out_row, int* out_rows) const {
    Fill(t, reinterpret_cast<const int8_t*>(input), 0, 0, CopyUnchanged, reinterpret_cast<int8_t*>(scratch), image,
         first_out_row, out_rows);
  }

 private:
  ConvGeometry g_;
  int padded_w_ = 0, band_rows_ = 0, bands_per_image_ = 1, slack_ = 0, element_bytes_ = 1, pixel_bytes_ = 0;
  int64_t row_bytes_ = 0, band_bytes_ = 0;
};

}  // namespace qforge::runtime
