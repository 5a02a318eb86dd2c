// The float depthwise, pooling, Add, Mean and MinMax loop nests shared by the AVX2 and AVX-512 kernels,
// over a float vector-traits type V (kernels/x86/float_vec_*.h). NHWC channels are contiguous,
// so every loop runs over channel vectors, the last one loaded and stored masked. Pooling, Add
// and Mean do the reference's operations in its order (equal results); depthwise accumulates
// fused multiply-adds from the bias.
#pragma once

#include <algorithm>

#include "runtime/kernels/float_kernels.h"

namespace qforge::runtime::x86 {

template <typename V>
inline typename V::F LoadLanes(const float* p, int lanes) {
  return lanes == V::kLanes ? V::Load(p) : V::LoadN(p, lanes);
}

template <typename V>
inline void StoreLanes(float* p, typename V::F v, int lanes) {
  if (lanes == V::kLanes) {
    V::Store(p, v);
  } else {
    V::StoreN(p, v, lanes);
  }
}

// Channels [c0, c0 + kVectors * lanes) of kPixels output pixels (window origins `step` floats
// apart, outputs c apart): kPixels * kVectors independent accumulator chains; the last vector
// has `last` valid lanes.
template <typename V, int kVectors, int kPixels>
inline void DepthwisePixels(int c, int taps, const float* origin, int64_t step, int c0, int last,
                            const float* filter, const int64_t* tap_offsets, const float* bias, typename V::F lo,
                            typename V::F hi, float* out) {
  using F = typename V::F;
  constexpr int kLanes = V::kLanes;
  F acc[kPixels][kVectors];
  for (int k = 0; k < kVectors; ++k) {
    const F b = bias ? LoadLanes<V>(bias + c0 + k * kLanes, k + 1 < kVectors ? kLanes : last) : V::Zero();
    for (int p = 0; p < kPixels; ++p) acc[p][k] = b;
  }
  for (int t = 0; t < taps; ++t) {
    const float* x = origin + tap_offsets[t] + c0;
    const float* w = filter + static_cast<int64_t>(t) * c + c0;
    for (int k = 0; k < kVectors; ++k) {
      const int lanes = k + 1 < kVectors ? kLanes : last;
      const F wv = LoadLanes<V>(w + k * kLanes, lanes);
      for (int p = 0; p < kPixels; ++p)
        acc[p][k] = V::Fma(LoadLanes<V>(x + p * step + k * kLanes, lanes), wv, acc[p][k]);
    }
  }
  for (int k = 0; k < kVectors; ++k)
    for (int p = 0; p < kPixels; ++p)
      StoreLanes<V>(out + p * c + c0 + k * kLanes, V::Min(hi, V::Max(lo, acc[p][k])),
                    k + 1 < kVectors ? kLanes : last);
}

template <typename V, int kPixels>
inline void DepthwiseAllChannels(int c, int taps, const float* origin, int64_t step, const float* filter,
                                 const int64_t* tap_offsets, const float* bias, typename V::F lo, typename V::F hi,
                                 float* out) {
  constexpr int kLanes = V::kLanes;
  for (int c0 = 0; c0 < c; c0 += 4 * kLanes) {
    const int vectors = std::min(4, (c - c0 + kLanes - 1) / kLanes);
    const int last = std::min(kLanes, c - c0 - (vectors - 1) * kLanes);
    switch (vectors) {
      case 4: DepthwisePixels<V, 4, kPixels>(c, taps, origin, step, c0, last, filter, tap_offsets, bias, lo, hi, out); break;
      case 3: DepthwisePixels<V, 3, kPixels>(c, taps, origin, step, c0, last, filter, tap_offsets, bias, lo, hi, out); break;
      case 2: DepthwisePixels<V, 2, kPixels>(c, taps, origin, step, c0, last, filter, tap_offsets, bias, lo, hi, out); break;
      default: DepthwisePixels<V, 1, kPixels>(c, taps, origin, step, c0, last, filter, tap_offsets, bias, lo, hi, out);
    }
  }
}

template <typename V>
void FloatDepthwiseLoop(const ConvGeometry& g, ref::FloatActivation act, const float* padded, int64_t row_floats,
                        int rows, const float* filter, const int64_t* tap_offsets, const float* bias, float* output) {
  const typename V::F lo = V::Set1(act.min), hi = V::Set1(act.max);
  const int c = g.out_c, taps = g.kernel_h * g.kernel_w;
  const int64_t step = static_cast<int64_t>(g.stride_w) * c;
  // Enough independent chains for the FMA latency: four pixels at a time with up to two channel
  // vectors, two pixels with up to four.
  const bool narrow = c <= 2 * V::kLanes, medium = c <= 4 * V::kLanes;
  for (int r = 0; r < rows; ++r) {
    const float* origin = padded + r * g.stride_h * row_floats;
    float* out = output + static_cast<int64_t>(r) * g.out_w * c;
    int ox = 0;
    for (; narrow && ox + 4 <= g.out_w; ox += 4)
      DepthwiseAllChannels<V, 4>(c, taps, origin + ox * step, step, filter, tap_offsets, bias, lo, hi,
                                 out + static_cast<int64_t>(ox) * c);
    for (; medium && ox + 2 <= g.out_w; ox += 2)
      DepthwiseAllChannels<V, 2>(c, taps, origin + ox * step, step, filter, tap_offsets, bias, lo, hi,
                                 out + static_cast<int64_t>(ox) * c);
    for (; ox < g.out_w; ++ox)
      DepthwiseAllChannels<V, 1>(c, taps, origin + ox * step, step, filter, tap_offsets, bias, lo, hi,
                                 out + static_cast<int64_t>(ox) * c);
  }
}

// Calls window(y_begin, y_end, x_begin, x_end, image, out_pixel) for each output pixel of rows
// [row_begin, row_end), the window clipped to the image.
template <typename T, typename Window>
inline void ForEachWindow(const ConvGeometry& g, const T* input, T* output, int row_begin, int row_end,
                          Window&& window) {
  const int c = g.in_c;
  for (int row = row_begin; row < row_end; ++row) {
    const int b = row / g.out_h, oy = row % g.out_h;
    const int y0 = oy * g.stride_h - g.pad_top;
    const int ys = std::max(y0, 0), ye = std::min(y0 + g.kernel_h, g.in_h);
    const T* image = input + static_cast<int64_t>(b) * g.in_h * g.in_w * c;
    for (int ox = 0; ox < g.out_w; ++ox) {
      const int x0 = ox * g.stride_w - g.pad_left;
      const int xs = std::max(x0, 0), xe = std::min(x0 + g.kernel_w, g.in_w);
      window(ys, ye, xs, xe, image, output + (static_cast<int64_t>(row) * g.out_w + ox) * c);
    }
  }
}

// Pooling: each window's in-image taps reduced per channel vector from `init` by
// reduce(acc, x), finish(acc, taps) gives the output before the clamp.
template <typename V, typename Reduce, typename Finish>
void FloatPoolLoop(const ConvGeometry& g, ref::FloatActivation act, const float* input, float* output, int row_begin,
                   int row_end, typename V::F init, Reduce reduce, Finish finish) {
  using F = typename V::F;
  const F lo = V::Set1(act.min), hi = V::Set1(act.max);
  const int c = g.in_c;
  const int64_t line = static_cast<int64_t>(g.in_w) * c;
  ForEachWindow(g, input, output, row_begin, row_end,
                [&](int ys, int ye, int xs, int xe, const float* image, float* out) {
                  const F taps = V::Set1(static_cast<float>((ye - ys) * (xe - xs)));
                  for (int c0 = 0; c0 < c; c0 += V::kLanes) {
                    const int lanes = std::min(V::kLanes, c - c0);
                    F acc = init;
                    for (int y = ys; y < ye; ++y)
                      for (int x = xs; x < xe; ++x) acc = reduce(acc, LoadLanes<V>(image + y * line + x * c + c0, lanes));
                    StoreLanes<V>(out + c0, V::Min(hi, V::Max(lo, finish(acc, taps))), lanes);
                  }
                });
}

template <typename V>
void FloatMaxPoolLoop(const ConvGeometry& g, ref::FloatActivation act, const float* input, float* output,
                      int row_begin, int row_end) {
  using F = typename V::F;
  // max(x, m) keeps m where x is NaN, as std::max(m, x) in the reference.
  FloatPoolLoop<V>(
      g, act, input, output, row_begin, row_end, V::Set1(-__builtin_inff()), [](F m, F x) { return V::Max(x, m); },
      [](F m, F) { return m; });
}

template <typename V>
void FloatAvgPoolLoop(const ConvGeometry& g, ref::FloatActivation act, const float* input, float* output,
                      int row_begin, int row_end) {
  using F = typename V::F;
  FloatPoolLoop<V>(
      g, act, input, output, row_begin, row_end, V::Zero(), [](F sum, F x) { return V::Add(sum, x); },
      [](F sum, F taps) { return V::Div(sum, taps); });
}

template <typename V>
void FloatAddLoop(ref::FloatActivation act, int64_t size, const float* a, const float* b, float* out) {
  const typename V::F lo = V::Set1(act.min), hi = V::Set1(act.max);
  int64_t i = 0;
  for (; i + V::kLanes <= size; i += V::kLanes)
    V::Store(out + i, V::Min(hi, V::Max(lo, V::Add(V::Load(a + i), V::Load(b + i)))));
  if (i < size) {
    const int n = static_cast<int>(size - i);
    V::StoreN(out + i, V::Min(hi, V::Max(lo, V::Add(V::LoadN(a + i, n), V::LoadN(b + i, n)))), n);
  }
}

template <typename V>
void FloatMeanLoop(int hw, int c, const float* input, float* output) {
  using F = typename V::F;
  const F count = V::Set1(static_cast<float>(hw));
  for (int c0 = 0; c0 < c; c0 += V::kLanes) {
    const int lanes = std::min(V::kLanes, c - c0);
    F sum = V::Zero();
    for (int i = 0; i < hw; ++i) sum = V::Add(sum, LoadLanes<V>(input + static_cast<int64_t>(i) * c + c0, lanes));
    StoreLanes<V>(output + c0, V::Div(sum, count), lanes);
  }
}

// min(x, lo) keeps lo where x is NaN, as std::min(lo, x) does.
template <typename V>
void FloatMinMaxLoop(int64_t size, const float* x, float* lo, float* hi) {
  using F = typename V::F;
  F vlo = V::Zero(), vhi = V::Zero();
  int64_t i = 0;
  for (; i + V::kLanes <= size; i += V::kLanes) {
    const F v = V::Load(x + i);
    vlo = V::Min(v, vlo);
    vhi = V::Max(v, vhi);
  }
  if (i < size) {  // masked lanes load 0, inside [lo, hi] already
    const F v = V::LoadN(x + i, static_cast<int>(size - i));
    vlo = V::Min(v, vlo);
    vhi = V::Max(v, vhi);
  }
  alignas(64) float lanes_lo[V::kLanes], lanes_hi[V::kLanes];
  V::Store(lanes_lo, vlo);
  V::Store(lanes_hi, vhi);
  float l = 0.0f, h = 0.0f;
  for (int j = 0; j < V::kLanes; ++j) {
    l = std::min(l, lanes_lo[j]);
    h = std::max(h, lanes_hi[j]);
  }
  *lo = l;
  *hi = h;
}

}  // namespace qforge::runtime::x86
