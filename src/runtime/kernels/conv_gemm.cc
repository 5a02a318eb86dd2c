// Convolution as GEMM: the direct 1x1 case and blocked im2col.
#include "runtime/kernels/conv_gemm.h"

#include <algorithm>
#include <cstring>

namespace qforge::runtime {
namespace {

constexpr int kBlockRows = 64;  // output pixels gathered per GEMM call

}  // namespace

ConvGemm::ConvGemm(const ConvGeometry& g, GemmWeights weights, ThreadPool* pool)
    : g_(g), weights_(std::move(weights)), pool_(pool), input_(NativeGemmInput(weights_.isa)) {
  direct_ = g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
            g.pad_left == 0 && g.out_h == g.in_h && g.out_w == g.in_w;
  // kBiasedU8 rows are padded to whole groups of 4 bytes.
  row_bytes_ = input_ == GemmInput::kBiasedU8 ? (weights_.k + 3) / 4 * 4 : weights_.k;
  const int threads = pool ? pool->size() : 1;
  if (!direct_) scratch_.assign(static_cast<size_t>(kBlockRows) * row_bytes_ * threads, 0);
}

void ConvGemm::Gather(const int8_t* input, int64_t first_row, int rows, int8_t* scratch) const {
  // Bytes are stored as a ^ flip: a itself (int8), or a + 128 (biased u8).
  const uint8_t flip = input_ == GemmInput::kBiasedU8 ? 0x80 : 0x00;
  const auto pad = static_cast<uint8_t>(static_cast<uint8_t>(weights_.input_zero_point) ^ flip);
  const int c = g_.in_c;
  for (int r = 0; r < rows; ++r) {
    const int64_t pixel = first_row + r;
    const int ox = static_cast<int>(pixel % g_.out_w), oy = static_cast<int>(pixel / g_.out_w % g_.out_h);
    const int b = static_cast<int>(pixel / (static_cast<int64_t>(g_.out_w) * g_.out_h));
    auto* row = reinterpret_cast<uint8_t*>(scratch) + static_cast<int64_t>(r) * row_bytes_;
    // Copies n bytes, flipped, from src to dst.
    auto copy = [flip](uint8_t* dst, const int8_t* src, int n) {
      const auto* s = reinterpret_cast<const uint8_t*>(src);
      for (int i = 0; i < n; ++i) dst[i] = s[i] ^ flip;
    };
    for (int ky = 0; ky < g_.kernel_h; ++ky) {
      uint8_t* dst = row + ky * g_.kernel_w * c;
      const int iy = oy * g_.stride_h - g_.pad_top + ky * g_.dilation_h;
      if (iy < 0 || iy >= g_.in_h) {
        std::memset(dst, pad, static_cast<size_t>(g_.kernel_w) * c);
        continue;
      }
      const int8_t* line = input + (static_cast<int64_t>(b) * g_.in_h + iy) * g_.in_w * c;
      const int x0 = ox * g_.stride_w - g_.pad_left;
      if (g_.dilation_w == 1) {  // the in-image taps of this row are one contiguous run
        const int first = std::clamp(-x0, 0, g_.kernel_w), last = std::clamp(g_.in_w - x0, first, g_.kernel_w);
        std::memset(dst, pad, static_cast<size_t>(first) * c);
        copy(dst + first * c, line + static_cast<int64_t>(x0 + first) * c, (last - first) * c);
        std::memset(dst + last * c, pad, static_cast<size_t>(g_.kernel_w - last) * c);
        continue;
      }
      for (int kx = 0; kx < g_.kernel_w; ++kx) {
        const int ix = x0 + kx * g_.dilation_w;
        if (ix < 0 || ix >= g_.in_w) {
          std::memset(dst + kx * c, pad, static_cast<size_t>(c));
        } else {
          copy(dst + kx * c, line + static_cast<int64_t>(ix) * c, c);
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
    int8_t* scratch = scratch_.data() + static_cast<int64_t>(worker) * kBlockRows * row_bytes_;
    Gather(input, first, count, scratch);
    Gemm(weights_, count, scratch, row_bytes_, output + first * g_.out_c, g_.out_c, 0, -1, input_);
  };
  if (pool_) {
    pool_->Run(blocks, block);
  } else {
    for (int t = 0; t < blocks; ++t) block(t, 0);
  }
}

}  // namespace qforge::runtime
