// The int8 global-average loop over vector traits V (kernels/x86/vec_avx2.h, vec_avx512.h,
// kernels/arm/vec_neon.h): per image, blocks of up to kBlock vectors of channels summed over
// every pixel, then requantized.
#pragma once

#include <algorithm>

#include "runtime/kernels/ref/pool_ref.h"

namespace qforge::runtime::simd {

template <typename V>
void MeanRange(int batch_begin, int batch_end, int h, int w, int c, const MeanParams& p, const int8_t* input,
               int8_t* output) {
  using I = typename V::I;
  constexpr int kBlock = 4;  // vectors of channels per pass over the pixels
  const QuantizedMultiplier q = p.multiplier;
  const I m = V::Set1(q.multiplier), left = V::Set1(std::max(q.shift, 0)), right = V::Set1(std::max(-q.shift, 0));
  const I offset = V::Set1(p.offset), lo = V::Set1(p.act_min), hi = V::Set1(p.act_max);
  const int64_t pixels = static_cast<int64_t>(h) * w;
  for (int b = batch_begin; b < batch_end; ++b) {
    const int8_t* image = input + b * pixels * c;
    for (int c0 = 0; c0 < c; c0 += kBlock * V::kLanes) {
      const int vectors = std::min(kBlock, (c - c0 + V::kLanes - 1) / V::kLanes);
      const int last = std::min(V::kLanes, c - c0 - (vectors - 1) * V::kLanes);  // lanes of the last vector
      I sums[kBlock];
      for (int v = 0; v < vectors; ++v) sums[v] = V::Set1(0);
      for (int64_t i = 0; i < pixels; ++i) {
        const int8_t* x = image + i * c + c0;
        for (int v = 0; v < vectors; ++v) {
          const int n = v + 1 < vectors ? V::kLanes : last;
          sums[v] = V::Add(sums[v], n == V::kLanes ? V::LoadLanes(x + v * V::kLanes) : V::LoadBytes(x + v * V::kLanes, n));
        }
      }
      int8_t* out = output + static_cast<int64_t>(b) * c + c0;
      for (int v = 0; v < vectors; ++v)
        V::StoreBytes(out + v * V::kLanes, V::Requantize(sums[v], m, left, right, offset, lo, hi),
                      v + 1 < vectors ? V::kLanes : last);
    }
  }
}

}  // namespace qforge::runtime::simd
