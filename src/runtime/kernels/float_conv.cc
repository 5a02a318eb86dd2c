// Float dense, convolution and depthwise layers: threads, padded bands, im2col.
#include "runtime/kernels/float_conv.h"

#include <algorithm>
#include <cstring>

namespace qforge::runtime {
namespace {

constexpr int kBlockRows = 96;  // im2col rows gathered per GEMM call

// Padded bands of floats: a plain copy (no flip, padding 0.0f is zero bytes).
void CopyBytes(uint8_t* dst, const uint8_t* src, int n, uint8_t) { std::memcpy(dst, src, static_cast<size_t>(n)); }

void FillBand(const PaddedBands& bands, int task, const float* input, float* scratch, int* image, int* first_row,
              int* rows) {
  bands.Fill(task, reinterpret_cast<const int8_t*>(input), 0, 0, CopyBytes, reinterpret_cast<int8_t*>(scratch),
             image, first_row, rows);
}

}  // namespace

void RunFloatGemm(ThreadPool* pool, const FloatGemmWeights& w, int m, const float* a, int64_t lda, float* out,
                  int64_t ldc) {
  const int threads = pool ? pool->size() : 1;
  const int64_t work = int64_t{m} * w.n * w.k;
  if (threads == 1 || pool->TasksFor(work, threads) == 1) return w.kernel->gemm(w, m, a, lda, {}, out, ldc, 0, w.n);
  constexpr int kRowTile = 12;
  if (m >= kRowTile * threads) {  // row blocks of whole register tiles
    const int tasks = std::min((m + kRowTile - 1) / kRowTile, 4 * threads);
    const int rows = (m + tasks - 1) / tasks;
    pool->Run(tasks, [&](int t, int) {
      const int first = t * rows, count = std::min(rows, m - first);
      if (count > 0) w.kernel->gemm(w, count, a + first * lda, lda, {}, out + first * ldc, ldc, 0, w.n);
    });
    return;
  }
  const int tile = 2 * w.kernel->lanes, tiles = (w.n + tile - 1) / tile;
  pool->Run(tiles, [&](int t, int) {
    w.kernel->gemm(w, m, a, lda, {}, out, ldc, t * tile, std::min(w.n, (t + 1) * tile));
  });
}

FloatConv::FloatConv(const ConvGeometry& g, const FloatKernels& kernel, const float* filter, const float* bias,
                     ref::FloatActivation act, ThreadPool* pool)
    : g_(g), pool_(pool) {
  const int k = g.kernel_h * g.kernel_w * g.in_c;
  weights_ = PackFloatGemm(kernel, g.out_c, k, filter, bias, act);
  direct_ = g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
            g.pad_left == 0 && g.out_h == g.in_h && g.out_w == g.in_w;
  if (direct_) return;
  segmented_ = g.dilation_w == 1;
  const int threads = pool ? pool->size() : 1;
  if (segmented_) {
    bands_ = PaddedBands(g, pool, static_cast<int64_t>(g.out_w) * g.out_c * k, 0, sizeof(float));
    scratch_.assign(static_cast<size_t>(bands_.band_bytes() / sizeof(float)) * threads, 0.0f);
    return;
  }
  scratch_.assign(static_cast<size_t>(kBlockRows) * k * threads, 0.0f);
}

const char* FloatConv::form() const { return direct_ ? "1x1 direct" : segmented_ ? "padded runs" : "im2col"; }

void FloatConv::RunBand(const float* input, int task, float* scratch, float* output) const {
  const ConvGeometry& g = g_;
  int image = 0, first_out_row = 0, out_rows = 0;
  FillBand(bands_, task, input, scratch, &image, &first_out_row, &out_rows);
  const int64_t row_floats = bands_.row_bytes() / static_cast<int64_t>(sizeof(float));
  // One GEMM per output row: its pixels step stride_w pixels through the padded rows, each
  // kernel row's taps one run of them.
  const FloatSegments segments{g.kernel_h, g.dilation_h * row_floats};
  for (int r = 0; r < out_rows; ++r) {
    const int64_t out_pixel = (static_cast<int64_t>(image) * g.out_h + first_out_row + r) * g.out_w;
    weights_.kernel->gemm(weights_, g.out_w, scratch + r * g.stride_h * row_floats,
                          static_cast<int64_t>(g.stride_w) * g.in_c, segments, output + out_pixel * g.out_c, g.out_c,
                          0, g.out_c);
  }
}

void FloatConv::Gather(const float* input, int64_t first_row, int rows, float* scratch) const {
  const ConvGeometry& g = g_;
  const int c = g.in_c, k = g.kernel_h * g.kernel_w * c;
  for (int r = 0; r < rows; ++r) {
    const int64_t row = first_row + r;
    const int ox = static_cast<int>(row % g.out_w), oy = static_cast<int>(row / g.out_w % g.out_h);
    const int64_t b = row / (static_cast<int64_t>(g.out_w) * g.out_h);
    float* dst = scratch + static_cast<int64_t>(r) * k;
    for (int ky = 0; ky < g.kernel_h; ++ky) {
      const int iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
      for (int kx = 0; kx < g.kernel_w; ++kx, dst += c) {
        const int ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
        if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) {
          std::fill_n(dst, c, 0.0f);
        } else {
          std::copy_n(input + ((b * g.in_h + iy) * g.in_w + ix) * c, c, dst);
        }
      }
    }
  }
}

void FloatConv::Run(const float* input, float* output) {
  const int64_t rows = static_cast<int64_t>(g_.batch) * g_.out_h * g_.out_w;
  if (direct_) return RunFloatGemm(pool_, weights_, static_cast<int>(rows), input, g_.in_c, output, g_.out_c);
  if (segmented_) {
    const int64_t band_floats = bands_.band_bytes() / static_cast<int64_t>(sizeof(float));
    RunTasks(pool_, bands_.tasks(),
             [&](int t, int worker) { RunBand(input, t, scratch_.data() + worker * band_floats, output); });
    return;
  }
  const int k = weights_.k;
  const int blocks = static_cast<int>((rows + kBlockRows - 1) / kBlockRows);
  RunTasks(pool_, blocks, [&](int t, int worker) {
    const int64_t first = static_cast<int64_t>(t) * kBlockRows;
    const int count = static_cast<int>(std::min<int64_t>(kBlockRows, rows - first));
    float* scratch = scratch_.data() + static_cast<int64_t>(worker) * kBlockRows * k;
    Gather(input, first, count, scratch);
    weights_.kernel->gemm(weights_, count, scratch, k, {}, output + first * g_.out_c, g_.out_c, 0, g_.out_c);
  });
}

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
    FillBand(bands_, t, input, scratch, &image, &first_row, &rows);
    kernel_->depthwise(g, act_, scratch, row_floats, rows, filter_.data(), tap_offsets_.data(),
                       bias_.empty() ? nullptr : bias_.data(),
                       output + (static_cast<int64_t>(image) * g.out_h + first_row) * g.out_w * g.out_c);
  });
}

}  // namespace qforge::runtime
