// Test helpers for the optimized kernels: the ISAs this CPU runs, and random per-channel
// requantization (zero points, multipliers with left and right shifts, fused-activation bounds).
#pragma once

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "runtime/kernels/dispatch.h"
#include "runtime/kernels/int8_params.h"
#include "runtime/quant_math.h"

namespace qforge::runtime::testing {

inline std::vector<Isa> RunnableIsas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::kRef, Isa::kAvx2, Isa::kAvx512Vnni})
    if (isa <= SupportedIsa()) isas.push_back(isa);
  return isas;
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

}  // namespace qforge::runtime::testing
