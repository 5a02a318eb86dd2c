// Convolution as GEMM for the kernel families whose GEMM reads rows of their own element type
// in segments (float, int16x8): 1x1 stride-1 unpadded convolutions multiply the NHWC rows
// directly; others with dilation_w 1 copy each band of output rows' input rows with the padding
// filled in (kernels/padded_bands.h; both families' padding is zero) and read each kernel row's
// taps as one run of it (no im2col); with dilation_w > 1 they gather im2col rows a block at a
// time. Also the families' dense layers: RunGemmOnPool splits rows over the threads. A family
// provides Weights with n, k and a kernel pointer with `gemm` (GemmRun-like, element type T) and
// `column_tile`. Not reentrant: Run uses per-thread scratch. C++17.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#include "runtime/kernels/gemm_segments.h"
#include "runtime/kernels/int8_params.h"
#include "runtime/kernels/padded_bands.h"
#include "runtime/thread_pool.h"

namespace qforge::runtime {

// Rows [0, m) of a times the weights on the pool's threads (null: the caller's): row blocks of
// whole register tiles when there are enough rows, else column tiles.
template <typename T, typename Weights>
void RunGemmOnPool(ThreadPool* pool, const Weights& w, int m, const T* a, int64_t lda, T* out, int64_t ldc) {
  const int threads = pool ? pool->size() : 1;
  if (threads == 1 || pool->TasksFor(int64_t{m} * w.n * w.k, threads) == 1)
    return w.kernel->gemm(w, m, a, lda, {}, out, ldc, 0, w.n);
  constexpr int kRowTile = 12;
  if (m >= kRowTile * threads) {
    const int tasks = std::min((m + kRowTile - 1) / kRowTile, 4 * threads);
    const int rows = (m + tasks - 1) / tasks;
    pool->Run(tasks, [&](int t, int) {
      const int first = t * rows, count = std::min(rows, m - first);
      if (count > 0) w.kernel->gemm(w, count, a + first * lda, lda, {}, out + first * ldc, ldc, 0, w.n);
    });
    return;
  }
  const int tile = w.kernel->column_tile, tiles = (w.n + tile - 1) / tile;
  pool->Run(tiles, [&](int t, int) { w.kernel->gemm(w, m, a, lda, {}, out, ldc, t * tile, std::min(w.n, (t + 1) * tile)); });
}

template <typename T, typename Weights>
class SegmentedConv {
 public:
  // Packs the OHWI filter [out_c][k] for rows read as `segments` equal runs.
  using Pack = std::function<Weights(int n, int k, int segments)>;

  SegmentedConv(const ConvGeometry& g, ThreadPool* pool, const Pack& pack) : g_(g), pool_(pool) {
    const int k = g.kernel_h * g.kernel_w * g.in_c;
    direct_ = g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
              g.pad_left == 0 && g.out_h == g.in_h && g.out_w == g.in_w;
    segmented_ = !direct_ && g.dilation_w == 1;
    weights_ = pack(g.out_c, k, segmented_ ? g.kernel_h : 1);
    if (direct_) return;
    const int threads = pool ? pool->size() : 1;
    if (segmented_) {
      bands_ = PaddedBands(g, pool, static_cast<int64_t>(g.out_w) * g.out_c * k, 0, sizeof(T));
      scratch_.assign(static_cast<size_t>(bands_.band_elements()) * threads, T{});
      return;
    }
    scratch_.assign(static_cast<size_t>(kBlockRows) * k * threads, T{});
  }

  void Run(const T* input, T* output) {
    const int64_t rows = static_cast<int64_t>(g_.batch) * g_.out_h * g_.out_w;
    if (direct_) return RunGemmOnPool(pool_, weights_, static_cast<int>(rows), input, g_.in_c, output, g_.out_c);
    if (segmented_) {
      RunTasks(pool_, bands_.tasks(),
               [&](int t, int worker) { RunBand(input, t, scratch_.data() + worker * bands_.band_elements(), output); });
      return;
    }
    const int k = weights_.k;
    const int blocks = static_cast<int>((rows + kBlockRows - 1) / kBlockRows);
    RunTasks(pool_, blocks, [&](int t, int worker) {
      const int64_t first = static_cast<int64_t>(t) * kBlockRows;
      const int count = static_cast<int>(std::min<int64_t>(kBlockRows, rows - first));
      T* scratch = scratch_.data() + static_cast<int64_t>(worker) * kBlockRows * k;
      Gather(input, first, count, scratch);
      weights_.kernel->gemm(weights_, count, scratch, k, {}, output + first * g_.out_c, g_.out_c, 0, g_.out_c);
    });
  }

  // How it runs, as QFORGE_VERBOSE reports it: "1x1 direct", "padded runs" or "im2col".
  const char* form() const { return direct_ ? "1x1 direct" : segmented_ ? "padded runs" : "im2col"; }

 private:
  static constexpr int kBlockRows = 96;  // im2col rows gathered per GEMM call

  void RunBand(const T* input, int task, T* scratch, T* output) const {
    const ConvGeometry& g = g_;
    int image = 0, first_out_row = 0, out_rows = 0;
    bands_.FillUnchanged(task, input, scratch, &image, &first_out_row, &out_rows);
    const int64_t row = bands_.row_elements();
    // One GEMM per output row: its pixels step stride_w pixels through the padded rows, each
    // kernel row's taps one run of them.
    const GemmSegments segments{g.kernel_h, g.dilation_h * row};
    for (int r = 0; r < out_rows; ++r) {
      const int64_t out_pixel = (static_cast<int64_t>(image) * g.out_h + first_out_row + r) * g.out_w;
      weights_.kernel->gemm(weights_, g.out_w, scratch + r * g.stride_h * row, static_cast<int64_t>(g.stride_w) * g.in_c,
                            segments, output + out_pixel * g.out_c, g.out_c, 0, g.out_c);
    }
  }

  void Gather(const T* input, int64_t first_row, int rows, T* scratch) const {
    const ConvGeometry& g = g_;
    const int c = g.in_c, k = g.kernel_h * g.kernel_w * c;
    for (int r = 0; r < rows; ++r) {
      const int64_t row = first_row + r;
      const int ox = static_cast<int>(row % g.out_w), oy = static_cast<int>(row / g.out_w % g.out_h);
      const int64_t b = row / (static_cast<int64_t>(g.out_w) * g.out_h);
      T* dst = scratch + static_cast<int64_t>(r) * k;
      for (int ky = 0; ky < g.kernel_h; ++ky) {
        const int iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
        for (int kx = 0; kx < g.kernel_w; ++kx, dst += c) {
          const int ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
          if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) {
            std::fill_n(dst, c, T{});
          } else {
            std::copy_n(input + ((b * g.in_h + iy) * g.in_w + ix) * c, c, dst);
          }
        }
      }
    }
  }

  ConvGeometry g_;
  ThreadPool* pool_;
  Weights weights_;
  bool direct_ = false, segmented_ = false;
  PaddedBands bands_;       // segmented
  std::vector<T> scratch_;  // per thread: one band's padded input, or one block of im2col rows
};

}  // namespace qforge::runtime
