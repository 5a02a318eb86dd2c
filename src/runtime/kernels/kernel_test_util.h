// Test helpers for the optimized kernels: guarded random inputs and random per-channel
// requantization (zero points, multipliers with left and right shifts, fused-activation bounds).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "runtime/kernels/dispatch.h"
#include "runtime/kernels/guarded_buffer.h"
#include "runtime/kernels/int8_params.h"
#include "runtime/kernels/ref/conv_ref.h"
#include "runtime/quant_math.h"

namespace qforge::runtime::testing {

// Random bytes (every int8 value) in a guarded buffer.
inline void FillRandom(GuardedBuffer& buffer, std::mt19937& rng) {
  std::uniform_int_distribution<int> byte(-128, 127);
  for (size_t i = 0; i < buffer.bytes(); ++i) buffer.as<int8_t>()[i] = static_cast<int8_t>(byte(rng));
}

// n weights in [lo, hi] (a sub-byte grid: [-8, 7]).
inline std::vector<int8_t> RandomWeightsIn(size_t n, int lo, int hi, std::mt19937& rng) {
  std::uniform_int_distribution<int> weight(lo, hi);
  std::vector<int8_t> w(n);
  for (auto& v : w) v = static_cast<int8_t>(weight(rng));
  return w;
}

// n weights in the symmetric narrow range [-127, 127].
inline std::vector<int8_t> RandomWeights(size_t n, std::mt19937& rng) { return RandomWeightsIn(n, -127, 127, rng); }

// n biases in [-bound, bound].
inline std::vector<int32_t> RandomBiases(int n, int bound, std::mt19937& rng) {
  std::uniform_int_distribution<int> value(-bound, bound);
  std::vector<int32_t> b(n);
  for (auto& v : b) v = value(rng);
  return b;
}

// Weights and biases whose accumulators must leave the int32 range (runtime/wrapping_math.h):
// output channel c's weights all have sign +1 (even c) or -1 (odd c), magnitudes 1..127, and its
// bias lies within 400 of INT32_MAX (even) or INT32_MIN (odd). With every input above the input
// zero point (zero point -128, inputs >= 0: each in-image tap adds at least 128 in the weights'
// direction), any output with 4 or more in-image taps wraps.
struct OverflowingLayer {
  std::vector<int8_t> weights;
  std::vector<int32_t> bias;
};
// weight_channel(i): the output channel weight i belongs to.
template <typename ChannelOf>
OverflowingLayer MakeOverflowingLayer(size_t weights, int channels, ChannelOf weight_channel, std::mt19937& rng) {
  OverflowingLayer l;
  l.weights = RandomWeightsIn(weights, 1, 127, rng);
  for (size_t i = 0; i < weights; ++i)
    if (weight_channel(i) % 2) l.weights[i] = static_cast<int8_t>(-l.weights[i]);
  for (int c = 0; c < channels; ++c)
    l.bias.push_back(c % 2 ? INT32_MIN + static_cast<int32_t>(rng() % 400) : INT32_MAX - static_cast<int32_t>(rng() % 400));
  return l;
}

// ref::FullyConnected on m rows of k activations at row stride lda: [m][n] bytes.
inline std::vector<int8_t> ReferenceDense(int m, int n, int k, const int8_t* a, int64_t lda, const int8_t* w,
                                          const int32_t* bias, const Requantization& q) {
  std::vector<int8_t> dense(static_cast<size_t>(m) * k), out(static_cast<size_t>(m) * n);
  for (int r = 0; r < m; ++r)
    for (int i = 0; i < k; ++i) dense[static_cast<size_t>(r) * k + i] = a[r * lda + i];
  ref::FullyConnected(m, k, n, q, dense.data(), w, bias, out.data());
  return out;
}

// Owns the tables `q` points at.
struct RandomRequant {
  std::vector<int32_t> multiplier, shift;
  Requantization q;

  RandomRequant(int channels, std::mt19937& rng) {
    std::uniform_int_distribution<int> byte(-128, 127);
    std::uniform_real_distribution<double> log_m(-14.0, 1.5);  // multipliers 2^-14 .. 2^1.5
    for (int i = 0; i < channels; ++i) {
      const QuantizedMultiplier m = QuantizeMultiplier(std::exp2(log_m(rng)));
      multiplier.push_back(m.multiplier);
      shift.push_back(m.shift);
    }
    q.input_zero_point = byte(rng);
    q.output_zero_point = byte(rng);
    const int activation = static_cast<int>(rng() % 3);  // none, ReLU, ReLU6-like bounds
    q.act_min = activation ? std::max(-128, q.output_zero_point) : -128;
    q.act_max = activation == 2 ? std::min(127, q.output_zero_point + 60) : 127;
    q.multiplier = multiplier.data();
    q.shift = shift.data();
  }
  RandomRequant(const RandomRequant&) = delete;
};

// Convolution geometries around the kernels' edges: kernels 1, 3, 5; strides 1, 2; dilations
// 1, 2; "same" and one-sided padding; batches 1 and 2; small odd images. in_c is each of
// `in_channels`; out_c is in_c (depthwise) or cycles through `out_channels`.
inline std::vector<ConvGeometry> SweepGeometries(const std::vector<int>& in_channels, const std::vector<int>& out_channels,
                                                 bool depthwise) {
  std::vector<ConvGeometry> out;
  int n = 0;
  for (int channels : in_channels)
    for (int kernel : {1, 3, 5})
      for (int stride : {1, 2})
        for (int dilation : {1, 2}) {
          ConvGeometry g;
          g.batch = 1 + n % 2;
          g.in_h = 7 + n % 3;
          g.in_w = 6 + n % 4;
          g.in_c = channels;
          g.out_c = depthwise ? channels : out_channels[n % out_channels.size()];
          g.kernel_h = g.kernel_w = kernel;
          g.stride_h = g.stride_w = stride;
          g.dilation_h = g.dilation_w = dilation;
          g.pad_top = (kernel / 2) * dilation;
          g.pad_left = n % 2 ? 0 : (kernel / 2) * dilation;
          const int span = (kernel - 1) * dilation + 1;
          g.out_h = (g.in_h + 2 * g.pad_top - span) / stride + 1;
          g.out_w = (g.in_w + 2 * g.pad_left - span) / stride + 1;
          ++n;
          if (g.out_h >= 1 && g.out_w >= 1) out.push_back(g);
        }
  return out;
}

// "in_c 3 out_c 16 kernel 3 stride 2 dilation 1": a geometry in a failure message.
inline std::string Describe(const ConvGeometry& g) {
  return "in_c " + std::to_string(g.in_c) + " out_c " + std::to_string(g.out_c) + " kernel " +
         std::to_string(g.kernel_h) + " stride " + std::to_string(g.stride_h) + " dilation " +
         std::to_string(g.dilation_h);
}

// Pooling windows: 2x2 /2, 3x3 /1 "same" and /2, 1x1; each channel count of `channels`; batches 1
// and 2; odd widths.
inline std::vector<ConvGeometry> PoolGeometries(const std::vector<int>& channels) {
  std::vector<ConvGeometry> out;
  for (int c : channels)
    for (int window : {1, 2, 3})
      for (int stride : {1, 2}) {
        ConvGeometry g;
        g.batch = 1 + c % 2;
        g.in_h = 7, g.in_w = 6 + c % 3, g.in_c = g.out_c = c;
        g.kernel_h = g.kernel_w = window;
        g.stride_h = g.stride_w = stride;
        g.pad_top = g.pad_left = window == 3 ? 1 : 0;
        g.out_h = (g.in_h + 2 * g.pad_top - window) / stride + 1;
        g.out_w = (g.in_w + 2 * g.pad_left - window) / stride + 1;
        out.push_back(g);
      }
  return out;
}

}  // namespace qforge::runtime::testing
