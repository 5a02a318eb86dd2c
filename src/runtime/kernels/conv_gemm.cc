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
  if (direct_) {
    direct_runner_ = std::make_unique<GemmRunner>(std::move(weights_), pool);
    return;
  }
  // kBiasedU8 rows are padded to whole groups of 4 bytes.
  row_bytes_ = input_ == GemmInput::kBiasedU8 ? (weights_.k + 3) / 4 * 4 : weights_.k;
  const int threads = pool ? pool->size() : 1;
  scratch_.assign(static_cast<size_t>(kBlockRows) * row_bytes_ * threads, 0);
  if (g.in_c < 8) {
    for (int ky = 0; ky < g.kernel_h; ++ky)
      for (int kx = 0; kx < g.kernel_w; ++kx)
        for (int ic = 0; ic < g.in_c; ++ic)
          tap_offsets_.push_back((ky * g.dilation_h * g.in_w + kx * g.dilation_w) * g.in_c + ic);
  }
}

void ConvGemm::Gather(const int8_t* input, int64_t first_row, int rows, int8_t* scratch) const {
  // The geometry in locals: byte stores may alias anything, which would otherwise make the
  // compiler reload every member after each one.
  const ConvGeometry g = g_;
  const int c = g.in_c, row_bytes = row_bytes_, run = g.kernel_w * c;
  // Bytes are stored as a ^ flip: a itself (int8), or a + 128 (biased u8).
  const uint8_t flip = input_ == GemmInput::kBiasedU8 ? 0x80 : 0x00;
  const auto pad = static_cast<uint8_t>(static_cast<uint8_t>(weights_.input_zero_point) ^ flip);
  // Copies n bytes, flipped; fills n bytes with the padding value. Runs are short for thin
  // inputs (5 bytes for a 5x5 kernel on one channel): 4..16 bytes move as two overlapping
  // 4- or 8-byte words, never touching a byte outside [0, n).
  const uint64_t flip8 = 0x0101010101010101ull * flip;
  auto copy = [flip, flip8](uint8_t* __restrict dst, const int8_t* src, int n) {
    const auto* __restrict s = reinterpret_cast<const uint8_t*>(src);
    if (n >= 8 && n <= 16) {
      uint64_t head, tail;
      std::memcpy(&head, s, 8);
      std::memcpy(&tail, s + n - 8, 8);
      head ^= flip8, tail ^= flip8;
      std::memcpy(dst, &head, 8);
      std::memcpy(dst + n - 8, &tail, 8);
      return;
    }
    if (n >= 4 && n < 8) {
      uint32_t head, tail;
      std::memcpy(&head, s, 4);
      std::memcpy(&tail, s + n - 4, 4);
      head ^= static_cast<uint32_t>(flip8), tail ^= static_cast<uint32_t>(flip8);
      std::memcpy(dst, &head, 4);
      std::memcpy(dst + n - 4, &tail, 4);
      return;
    }
    for (int i = 0; i < n; ++i) dst[i] = s[i] ^ flip;
  };
  auto fill = [pad](uint8_t* __restrict dst, int n) {
    for (int i = 0; i < n; ++i) dst[i] = pad;
  };
  // The first row's pixel, then stepped without divisions.
  int ox = static_cast<int>(first_row % g.out_w), oy = static_cast<int>(first_row / g.out_w % g.out_h);
  int b = static_cast<int>(first_row / (static_cast<int64_t>(g.out_w) * g.out_h));
  for (int r = 0; r < rows; ++r, ++ox) {
    if (ox == g.out_w) {
      ox = 0;
      if (++oy == g.out_h) oy = 0, ++b;
    }
    uint8_t* row = reinterpret_cast<uint8_t*>(scratch) + static_cast<int64_t>(r) * row_bytes;
    const int8_t* image = input + static_cast<int64_t>(b) * g.in_h * g.in_w * c;
    const int x0 = ox * g.stride_w - g.pad_left, y0 = oy * g.stride_h - g.pad_top;
    const int taps = static_cast<int>(tap_offsets_.size());
    if (taps > 0 && x0 >= 0 && y0 >= 0 && x0 + (g.kernel_w - 1) * g.dilation_w < g.in_w &&
        y0 + (g.kernel_h - 1) * g.dilation_h < g.in_h) {  // a thin input's window inside the image
      const auto* __restrict origin = reinterpret_cast<const uint8_t*>(image) + (static_cast<int64_t>(y0) * g.in_w + x0) * c;
      const int32_t* __restrict offsets = tap_offsets_.data();
      for (int t = 0; t < taps; ++t) row[t] = origin[offsets[t]] ^ flip;
      continue;
    }
    // With dilation 1 the in-image taps of a kernel row are one contiguous run [first, last).
    const int first = std::clamp(-x0, 0, g.kernel_w), last = std::clamp(g.in_w - x0, first, g.kernel_w);
    for (int ky = 0; ky < g.kernel_h; ++ky) {
      uint8_t* dst = row + ky * run;
      const int iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
      if (iy < 0 || iy >= g.in_h) {
        fill(dst, run);
        continue;
      }
      const int8_t* line = image + static_cast<int64_t>(iy) * g.in_w * c;
      if (g.dilation_w == 1) {
        fill(dst, first * c);
        copy(dst + first * c, line + static_cast<int64_t>(x0 + first) * c, (last - first) * c);
        fill(dst + last * c, (g.kernel_w - last) * c);
        continue;
      }
      for (int kx = 0; kx < g.kernel_w; ++kx) {
        const int ix = x0 + kx * g.dilation_w;
        if (ix < 0 || ix >= g.in_w) {
          fill(dst + kx * c, c);
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
    direct_runner_->Run(static_cast<int>(rows), input, g_.in_c, output, g_.out_c);
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
