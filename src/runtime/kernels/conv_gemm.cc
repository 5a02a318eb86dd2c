// Convolution as GEMM: the direct 1x1 case and blocked im2col.
#include "runtime/kernels/conv_gemm.h"

#include <algorithm>
#include <cstring>

namespace qforge::runtime {
namespace {

constexpr int kBlockRows = 64;  // output pixels gathered per GEMM call

}  // namespace

ConvGemm::ConvGemm(const ConvGeometry& g, GemmWeights weights, ThreadPool* pool)
    : g_(g), weights_(std::move(weights)), pool_(pool) {
  direct_ = g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
            g.pad_left == 0 && g.out_h == g.in_h && g.out_w == g.in_w;
  const int threads = pool ? pool->size() : 1;
  if (!direct_) scratch_.resize(static_cast<size_t>(kBlockRows) * weights_.k * threads);
}

void ConvGemm::Gather(const int8_t* input, int64_t first_row, int rows, int8_t* scratch) const {
  const int k = weights_.k;
  const auto pad = static_cast<int8_t>(weights_.input_zero_point);
  for (int r = 0; r < rows; ++r) {
    const int64_t pixel = first_row + r;
    const int ox = static_cast<int>(pixel % g_.out_w), oy = static_cast<int>(pixel / g_.out_w % g_.out_h);
    const int b = static_cast<int>(pixel / (static_cast<int64_t>(g_.out_w) * g_.out_h));
    int8_t* row = scratch + static_cast<int64_t>(r) * k;
    for (int ky = 0; ky < g_.kernel_h; ++ky) {
      const int iy = oy * g_.stride_h - g_.pad_top + ky * g_.dilation_h;
      for (int kx = 0; kx < g_.kernel_w; ++kx) {
        const int ix = ox * g_.stride_w - g_.pad_left + kx * g_.dilation_w;
        int8_t* dst = row + (ky * g_.kernel_w + kx) * g_.in_c;
        if (iy < 0 || iy >= g_.in_h || ix < 0 || ix >= g_.in_w) {
          std::memset(dst, pad, static_cast<size_t>(g_.in_c));
        } else {
          std::memcpy(dst, input + ((static_cast<int64_t>(b) * g_.in_h + iy) * g_.in_w + ix) * g_.in_c,
                      static_cast<size_t>(g_.in_c));
        }
      }
    }
  }
}

void ConvGemm::Run(const int8_t* input, int8_t* output) {
  const int64_t rows = static_cast<int64_t>(g_.batch) * g_.out_h * g_.out_w;
  if (direct_) {
    ParallelGemm(pool_, weights_, static_cast<int>(rows), input, g_.in_c, output, g_.out_c);
    return;
  }
  const int blocks = static_cast<int>((rows + kBlockRows - 1) / kBlockRows);
  auto block = [&](int t, int worker) {
    const int64_t first = static_cast<int64_t>(t) * kBlockRows;
    const int count = static_cast<int>(std::min<int64_t>(kBlockRows, rows - first));
    int8_t* scratch = scratch_.data() + static_cast<int64_t>(worker) * kBlockRows * weights_.k;
    Gather(input, first, count, scratch);
    Gemm(weights_, count, scratch, weights_.k, output + first * g_.out_c, g_.out_c);
  };
  if (pool_) {
    pool_->Run(blocks, block);
  } else {
    for (int t = 0; t < blocks; ++t) block(t, 0);
  }
}

}  // namespace qforge::runtime
