// Reference INSERT_ZEROS and RESIZE kernels: INSERT_ZEROS copies pixels onto a strided grid;
// RESIZE blends up to four input samples per channel.
#include "runtime/kernels/ref/resize_ref.h"

#include <cstring>

#include "runtime/quant_math.h"

namespace qforge::runtime::ref {

namespace {

// Calls blend(top, bottom, row tap, column tap, out) for every output pixel: the input rows the
// pixel reads (channels-last) and where its channels go.
template <typename T, typename Tap, typename Blend>
void ForEachOutputPixel(const ResizeShape& s, const std::vector<Tap>& rows, const std::vector<Tap>& cols,
                        const T* input, T* output, Blend blend) {
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t y = 0; y < s.out_h; ++y)
      for (int64_t x = 0; x < s.out_w; ++x)
        blend(input + (n * s.in_h + rows[y].i0) * s.in_w * s.channels,
              input + (n * s.in_h + rows[y].i1) * s.in_w * s.channels, rows[y], cols[x],
              output + ((n * s.out_h + y) * s.out_w + x) * s.channels);
}

}  // namespace

void ResizeFloat(const ResizeShape& s, const std::vector<ResizeTap>& rows, const std::vector<ResizeTap>& cols,
                 const float* input, float* output) {
  const int64_t ch = s.channels;
  ForEachOutputPixel(s, rows, cols, input, output,
                     [ch](const float* top, const float* bottom, const ResizeTap& r, const ResizeTap& c, float* out) {
                       const auto wy = static_cast<float>(r.w1), wx = static_cast<float>(c.w1);
                       for (int64_t k = 0; k < ch; ++k) {
                         const float t = top[c.i0 * ch + k] + wx * (top[c.i1 * ch + k] - top[c.i0 * ch + k]);
                         const float b = bottom[c.i0 * ch + k] + wx * (bottom[c.i1 * ch + k] - bottom[c.i0 * ch + k]);
                         out[k] = t + wy * (b - t);
                       }
                     });
}

void InsertZeros(const ResizeShape& s, int stride_h, int stride_w, int element_bytes, const uint8_t* zero,
                 const uint8_t* input, uint8_t* output) {
  const int64_t pixel = s.channels * element_bytes, total = s.batch * s.out_h * s.out_w * s.channels;
  for (int64_t i = 0; i < total; ++i) std::memcpy(output + i * element_bytes, zero, element_bytes);
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t y = 0; y < s.in_h; ++y)
      for (int64_t x = 0; x < s.in_w; ++x)
        std::memcpy(output + ((n * s.out_h + y * stride_h) * s.out_w + x * stride_w) * pixel,
                    input + ((n * s.in_h + y) * s.in_w + x) * pixel, pixel);
}

std::vector<FixedTap> ToFixed(const std::vector<ResizeTap>& taps) {
  std::vector<FixedTap> out(taps.size());
  for (size_t i = 0; i < taps.size(); ++i)
    out[i] = {taps[i].i0, taps[i].i1, static_cast<int32_t>(RoundHalfAwayFromZero(taps[i].w1 * 1024.0))};
  return out;
}

template <typename T>
void ResizeQuantized(const ResizeShape& s, const std::vector<FixedTap>& rows, const std::vector<FixedTap>& cols,
                     const T* input, T* output) {
  const int64_t ch = s.channels;
  ForEachOutputPixel(s, rows, cols, input, output,
                     [ch](const T* top, const T* bottom, const FixedTap& r, const FixedTap& c, T* out) {
                       const int64_t w00 = int64_t{1024 - r.w1} * (1024 - c.w1), w01 = int64_t{1024 - r.w1} * c.w1;
                       const int64_t w10 = int64_t{r.w1} * (1024 - c.w1), w11 = int64_t{r.w1} * c.w1;
                       for (int64_t k = 0; k < ch; ++k) {
                         const int64_t sum = w00 * top[c.i0 * ch + k] + w01 * top[c.i1 * ch + k] +
                                             w10 * bottom[c.i0 * ch + k] + w11 * bottom[c.i1 * ch + k];
                         out[k] = static_cast<T>((sum + (int64_t{1} << 19)) >> 20);  // within the inputs' range
                       }
                     });
}

template void ResizeQuantized<int8_t>(const ResizeShape&, const std::vector<FixedTap>&, const std::vector<FixedTap>&,
                                      const int8_t*, int8_t*);
template void ResizeQuantized<int16_t>(const ResizeShape&, const std::vector<FixedTap>&, const std::vector<FixedTap>&,
                                       const int16_t*, int16_t*);

}  // namespace qforge::runtime::ref
