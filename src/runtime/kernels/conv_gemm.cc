// Convolution as GEMM: the direct 1x1 case and blocked im2col.
#include "runtime/kernels/conv_gemm.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include "runtime/kernels/kernel_family.h"

namespace qforge::runtime {

namespace {

constexpr int kBlockRows = 72;  // output pixels gathered per GEMM call: whole register tiles
constexpr int kSparseBlockRows = 64;  // the same for the sparse kernel (its register tile)

// The filter [out_c][kh][kw * in_c] with each kernel row's run in a slot of `slot` bytes,
// zeros after it.
std::vector<int8_t> SlottedFilter(const ConvGeometry& g, const int8_t* filter, int slot) {
  const int run = g.kernel_w * g.in_c, padded_k = g.kernel_h * slot;
  std::vector<int8_t> slotted(static_cast<size_t>(g.out_c) * padded_k, 0);
  for (int oc = 0; oc < g.out_c; ++oc)
    for (int ky = 0; ky < g.kernel_h; ++ky)
      std::copy_n(filter + (static_cast<int64_t>(oc) * g.kernel_h + ky) * run, run,
                  slotted.begin() + static_cast<int64_t>(oc) * padded_k + ky * slot);
  return slotted;
}

// The sparse banded path's slot for one kernel row's taps: whole groups of 4 bytes.
int SparseSlot(const ConvGeometry& g) { return (g.kernel_w * g.in_c + 3) / 4 * 4; }

}  // namespace

bool IsOneByOne(const ConvGeometry& g) {
  return g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
         g.pad_left == 0 && g.out_h == g.in_h && g.out_w == g.in_w;
}

ConvGemm::ConvGemm(const ConvGeometry& g, const GemmKernel& kernel, const int8_t* filter, const int32_t* bias,
                   const Requantization& q, ThreadPool* pool)
    : ConvGemm(g, kernel, filter, pool, [&](int n, int k, const int8_t* w) { return PackGemm(kernel, n, k, w, bias, q); }) {}

ConvGemm::ConvGemm(const ConvGeometry& g, const GemmKernel& kernel, const int8_t* filter, ThreadPool* pool)
    : ConvGemm(g, kernel, filter, pool, [&](int n, int k, const int8_t* w) { return PackGemmInt32(kernel, n, k, w); }) {}

ConvGemm::ConvGemm(const ConvGeometry& g, const SparseGemmKernel& kernel, const int8_t* filter, const int32_t* bias,
                   const Requantization& q, ThreadPool* pool)
    : g_(g), pool_(pool), flip_(0x80), copy_(BestKernel(GemmKernels(), kernel.isa).copy),
      input_zero_point_(q.input_zero_point) {
  const int k = g.kernel_h * g.kernel_w * g.in_c;
  if (IsOneByOne(g)) {
    direct_ = true;
    const int64_t rows = static_cast<int64_t>(g.batch) * g.out_h * g.out_w;
    sparse_ = std::make_unique<SparseGemmRunner>(PackSparseGemm(kernel, g.out_c, k, filter, bias, q),
                                                 static_cast<int>(std::min<int64_t>(rows, INT32_MAX)), pool);
    return;
  }
  // Padded bands as on the dense kernel's segmented path: each kernel row's taps one run of
  // the band, in a slot of whole groups of 4 bytes with zero weights after the taps.
  segmented_ = true;
  run_ = g.kernel_w * g.in_c;
  slot_ = SparseSlot(g);
  sparse_banded_ = true;
  sparse_weights_ = PackSparseGemm(kernel, g.out_c, g.kernel_h * slot_, SlottedFilter(g, filter, slot_).data(), bias, q);
  bands_ = PaddedBands(g, pool, static_cast<int64_t>(g.out_w) * g.out_c * k, slot_);
  const int threads = pool ? pool->size() : 1;
  scratch_.assign(static_cast<size_t>(bands_.band_bytes()) * threads, 0);
  panels_.assign(static_cast<size_t>(PanelBytes(sparse_weights_, kSparseBlockRows)) * threads, 0);
}

bool ConvGemm::SparseFits(const ConvGeometry& g) { return IsOneByOne(g) || g.dilation_w == 1; }

bool ConvGemm::ChooseSparse(const ConvGeometry& g, const int8_t* filter, double required_speedup) {
  if (!SparseFits(g)) return false;
  const int64_t rows = static_cast<int64_t>(g.batch) * g.out_h * g.out_w;
  if (IsOneByOne(g)) return ChooseSparseGemm(g.out_c, g.in_c, filter, rows, required_speedup);
  const int slot = SparseSlot(g);  // the filter as the banded path lays it out
  return ChooseSparseGemm(g.out_c, g.kernel_h * slot, SlottedFilter(g, filter, slot).data(), rows, required_speedup);
}

ConvGemm::ConvGemm(const ConvGeometry& g, const GemmKernel& kernel, const int8_t* filter, ThreadPool* pool,
                   const std::function<GemmWeights(int n, int k, const int8_t* w)>& pack)
    : g_(g), pool_(pool), flip_(GemmInputFlip(kernel)), copy_(kernel.copy) {
  const int k = g.kernel_h * g.kernel_w * g.in_c;
  if (IsOneByOne(g)) {
    direct_ = true;
    direct_runner_ = std::make_unique<GemmRunner>(pack(g.out_c, k, filter), pool);
    input_zero_point_ = direct_runner_->weights().input_zero_point;
    return;
  }
  run_ = g.kernel_w * g.in_c;
  // Without im2col (the kernel takes segments): each kernel row's taps are one run of a padded copy of
  // the input, given a slot of whole groups of 4 bytes; with im2col, thin inputs get 8- or
  // 16-byte slots gathered as words.
  segmented_ = kernel.takes_segments && g.dilation_w == 1;
  if (segmented_) {
    slot_ = (run_ + kernel.k_group - 1) / kernel.k_group * kernel.k_group;  // whole groups (pairs of them for nibbles)
  } else {
    slot_ = g.dilation_w == 1 && run_ <= 8 ? 8 : g.dilation_w == 1 && run_ <= 16 ? 16 : run_;
  }
  const int padded_k = g.kernel_h * slot_;
  weights_ = pack(g.out_c, padded_k, SlottedFilter(g, filter, slot_).data());
  input_zero_point_ = weights_.input_zero_point;
  const int threads = pool ? pool->size() : 1;
  if (segmented_) {
    // + slot: the last pixel's last run reads up to k_group - 1 bytes past its taps (zero weights).
    bands_ = PaddedBands(g, pool, static_cast<int64_t>(g.out_w) * g.out_c * k, slot_);
    scratch_.assign(static_cast<size_t>(bands_.band_bytes()) * threads, 0);
    return;
  }
  // kBiasedU8 rows are padded to whole groups (of 4 bytes, or 8 for nibbles).
  row_bytes_ = GemmInputRowBytes(kernel, padded_k);
  input_bytes_ = static_cast<int64_t>(g.batch) * g.in_h * g.in_w * g.in_c;
  scratch_.assign(static_cast<size_t>(kBlockRows) * row_bytes_ * threads, 0);
}

void ConvGemm::RunBand(const int8_t* input, int task, const int32_t* image_zero_points, int8_t* scratch,
                       int8_t* output) const {
  const ConvGeometry& g = g_;
  int image = 0, first_out_row = 0, out_rows = 0;
  const int32_t zero_point = image_zero_points ? image_zero_points[bands_.ImageOf(task)] : input_zero_point_;
  bands_.Fill(task, input, zero_point, flip_, copy_, scratch, &image,
              &first_out_row, &out_rows);
  // One GEMM per output row: its pixels step stride_w pixels through the padded rows, each
  // kernel row's taps one run (segment) of them.
  const GemmSegments segments{g.kernel_h, g.dilation_h * bands_.row_bytes()};
  for (int r = 0; r < out_rows; ++r) {
    const int64_t out_pixel = (static_cast<int64_t>(image) * g.out_h + first_out_row + r) * g.out_w;
    GemmSegmented(weights_, g.out_w, scratch + r * g.stride_h * bands_.row_bytes(),
                  static_cast<int64_t>(g.stride_w) * g.in_c, segments, GemmOutputRow(weights_, output, out_pixel, g.out_c),
                  g.out_c);
  }
}

namespace {

// Writes activation bytes into im2col rows in the GEMM kernel's input form (a ^ flip: a itself,
// or a + 128) and fills padding taps with the input zero point in that form.
struct TapCopier {
  uint8_t flip = 0, pad = 0;
  uint64_t flip8 = 0;    // flip in every byte
  CopyRun long_copy;     // runs longer than 16 bytes, with the ISA's vectors

  // n bytes, flipped; 4..16 bytes move as two overlapping 4- or 8-byte words; never touching a
  // byte outside [0, n).
  void Copy(uint8_t* __restrict dst, const uint8_t* __restrict s, int n) const {
    if (n >= 8 && n <= 16) {
      uint64_t head, tail;
      std::memcpy(&head, s, 8);
      std::memcpy(&tail, s + n - 8, 8);
      head ^= flip8, tail ^= flip8;
      std::memcpy(dst, &head, 8);
      std::memcpy(dst + n - 8, &tail, 8);
      return;
    }
    if (n > 16) return long_copy(dst, s, n, flip);
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
  }

  // A whole slot of `bytes` (8 or 16) as 8-byte words: thin inputs, whose bytes past the run land
  // on zero weights.
  void CopyWords(uint8_t* __restrict dst, const uint8_t* __restrict s, int bytes) const {
    for (int half = 0; half < bytes; half += 8) {
      uint64_t word;
      std::memcpy(&word, s + half, 8);
      word ^= flip8;
      std::memcpy(dst + half, &word, 8);
    }
  }

  void Fill(uint8_t* __restrict dst, int n) const {
    for (int i = 0; i < n; ++i) dst[i] = pad;
  }
};

// Where an im2col row's kernel rows go: `run` bytes of taps each, in slots of `slot` bytes.
struct RowLayout {
  int run, slot, row_bytes;
  int64_t input_bytes;  // words must not read past the input tensor
};

// Pixels from (ox, oy) on — at most `limit` — whose windows lie inside the image, gathered
// without per-pixel checks: one copy of the run per kernel row, or whole word slots for thin
// inputs. Returns how many (0: this pixel's window is not inside).
inline int GatherInside(const ConvGeometry& g, const RowLayout& l, const TapCopier& taps, const uint8_t* in,
                        int64_t image, int ox, int oy, int limit, uint8_t* row) {
  const int c = g.in_c;
  const int x0 = ox * g.stride_w - g.pad_left, y0 = oy * g.stride_h - g.pad_top;
  if (g.dilation_w != 1 || x0 < 0 || x0 + g.kernel_w > g.in_w || y0 < 0 ||
      y0 + (g.kernel_h - 1) * g.dilation_h >= g.in_h)
    return 0;
  const int64_t row_step = static_cast<int64_t>(g.dilation_h) * g.in_w * c;
  const int64_t from0 = image + (static_cast<int64_t>(y0) * g.in_w + x0) * c;
  int count = std::min((g.in_w - g.kernel_w + g.pad_left) / g.stride_w + 1, g.out_w) - ox;
  count = std::min(count, limit);
  const int64_t step = static_cast<int64_t>(g.stride_w) * c, span = (g.kernel_h - 1) * row_step + l.slot;
  while (l.slot > l.run && count > 0 && from0 + (count - 1) * step + span > l.input_bytes) --count;
  for (int p = 0; p < count; ++p) {
    const uint8_t* src = in + from0 + p * step;
    uint8_t* dst = row + static_cast<int64_t>(p) * l.row_bytes;
    for (int ky = 0; ky < g.kernel_h; ++ky) {
      if (l.slot == l.run) {
        taps.Copy(dst + ky * l.slot, src + ky * row_step, l.run);
      } else {
        taps.CopyWords(dst + ky * l.slot, src + ky * row_step, l.slot);
      }
    }
  }
  return std::max(count, 0);
}

// One pixel whose window crosses the image's edge: each kernel row's in-image taps copied,
// the others filled with the zero point.
inline void GatherEdge(const ConvGeometry& g, const RowLayout& l, const TapCopier& taps, const uint8_t* in,
                       int64_t image, int ox, int oy, uint8_t* row) {
  const int c = g.in_c;
  const int x0 = ox * g.stride_w - g.pad_left;
  // With dilation 1 the in-image taps of a kernel row are one contiguous run [first, last).
  const int first = std::clamp(-x0, 0, g.kernel_w), last = std::clamp(g.in_w - x0, first, g.kernel_w);
  for (int ky = 0; ky < g.kernel_h; ++ky) {
    uint8_t* dst = row + ky * l.slot;
    const int iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
    if (iy < 0 || iy >= g.in_h) {
      taps.Fill(dst, l.run);
      continue;
    }
    const int64_t line = image + static_cast<int64_t>(iy) * g.in_w * c;
    if (g.dilation_w == 1) {
      taps.Fill(dst, first * c);
      taps.Copy(dst + first * c, in + line + static_cast<int64_t>(x0 + first) * c, (last - first) * c);
      taps.Fill(dst + last * c, (g.kernel_w - last) * c);
      continue;
    }
    for (int kx = 0; kx < g.kernel_w; ++kx) {
      const int ix = x0 + kx * g.dilation_w;
      if (ix < 0 || ix >= g.in_w) {
        taps.Fill(dst + kx * c, c);
      } else {
        taps.Copy(dst + kx * c, in + line + static_cast<int64_t>(ix) * c, c);
      }
    }
  }
}

}  // namespace

void ConvGemm::Gather(const int8_t* input, int64_t first_row, int rows, const int32_t* image_zero_points,
                      int8_t* scratch) const {
  // Geometry, layout and copier in locals: byte stores may alias anything, which would otherwise
  // make the compiler reload every member after each one.
  const ConvGeometry g = g_;
  const RowLayout layout{run_, slot_, row_bytes_, input_bytes_};
  TapCopier taps;
  taps.flip = flip_;
  taps.pad = static_cast<uint8_t>(static_cast<uint8_t>(input_zero_point_) ^ taps.flip);
  taps.flip8 = 0x0101010101010101ull * taps.flip;
  taps.long_copy = copy_;
  const auto* in = reinterpret_cast<const uint8_t*>(input);
  // The first row's pixel, then stepped without divisions.
  int ox = static_cast<int>(first_row % g.out_w), oy = static_cast<int>(first_row / g.out_w % g.out_h);
  int b = static_cast<int>(first_row / (static_cast<int64_t>(g.out_w) * g.out_h));
  auto image_pad = [&] {
    if (image_zero_points) taps.pad = static_cast<uint8_t>(static_cast<uint8_t>(image_zero_points[b]) ^ taps.flip);
  };
  image_pad();
  for (int r = 0; r < rows; ++r, ++ox) {
    if (ox == g.out_w) {
      ox = 0;
      if (++oy == g.out_h) oy = 0, ++b, image_pad();
    }
    uint8_t* row = reinterpret_cast<uint8_t*>(scratch) + static_cast<int64_t>(r) * layout.row_bytes;
    const int64_t image = static_cast<int64_t>(b) * g.in_h * g.in_w * g.in_c;
    const int inside = GatherInside(g, layout, taps, in, image, ox, oy, rows - r, row);
    if (inside > 0) {  // this and the following pixels of the output row
      r += inside - 1;
      ox += inside - 1;
      continue;
    }
    GatherEdge(g, layout, taps, in, image, ox, oy, row);
  }
}

void ConvGemm::RunSparse(const int8_t* input, int8_t* output) {
  const ConvGeometry& g = g_;
  if (direct_) {
    const int64_t rows = static_cast<int64_t>(g.batch) * g.out_h * g.out_w;
    return sparse_->Run(static_cast<int>(rows), input, g.in_c, flip_, output, g.out_c);
  }
  const SparseGemmWeights& w = sparse_weights_;
  const int64_t panel_bytes = PanelBytes(w, kSparseBlockRows);
  RunTasks(pool_, bands_.tasks(), [&](int t, int worker) {
    int8_t* band = scratch_.data() + worker * bands_.band_bytes();
    int image = 0, first_out_row = 0, out_rows = 0;
    bands_.Fill(t, input, input_zero_point_, flip_, copy_, band, &image, &first_out_row, &out_rows);
    // The band's pixels, 64 at a time: each row of the panel is a window of the band, its
    // kernel rows kh runs (segments) dilation_h padded rows apart.
    const int pixels = out_rows * g.out_w;
    int8_t* out = output + (static_cast<int64_t>(image) * g.out_h + first_out_row) * g.out_w * g.out_c;
    const int8_t* starts[kSparseBlockRows];
    for (int first = 0; first < pixels; first += kSparseBlockRows) {
      const int count = std::min(kSparseBlockRows, pixels - first);
      for (int i = 0; i < count; ++i) {
        const int r = (first + i) / g.out_w, ox = (first + i) % g.out_w;
        starts[i] = band + r * g.stride_h * bands_.row_bytes() + static_cast<int64_t>(ox) * g.stride_w * g.in_c;
      }
      SparseGemmRows(w, count, PanelRows{starts, g.kernel_h, g.dilation_h * bands_.row_bytes()},
                     out + static_cast<int64_t>(first) * g.out_c, g.out_c, panels_.data() + worker * panel_bytes);
    }
  });
}

void ConvGemm::Run(const int8_t* input, int8_t* output, const int32_t* image_zero_points) {
  if (sparse()) return RunSparse(input, output);
  const int64_t rows = static_cast<int64_t>(g_.batch) * g_.out_h * g_.out_w;
  if (direct_runner_) {
    direct_runner_->Run(static_cast<int>(rows), input, g_.in_c, output, g_.out_c);
    return;
  }
  if (segmented_) {
    RunTasks(pool_, bands_.tasks(), [&](int t, int worker) {
      RunBand(input, t, image_zero_points, scratch_.data() + worker * bands_.band_bytes(), output);
    });
    return;
  }
  const int blocks = static_cast<int>((rows + kBlockRows - 1) / kBlockRows);
  auto block = [&](int t, int worker) {
    const int64_t first = static_cast<int64_t>(t) * kBlockRows;
    const int count = static_cast<int>(std::min<int64_t>(kBlockRows, rows - first));
    int8_t* scratch = scratch_.data() + static_cast<int64_t>(worker) * kBlockRows * row_bytes_;
    Gather(input, first, count, image_zero_points, scratch);
    Gemm(weights_, count, scratch, row_bytes_, GemmOutputRow(weights_, output, first, g_.out_c), g_.out_c);
  };
  RunTasks(pool_, blocks, block);
}

}  // namespace qforge::runtime
