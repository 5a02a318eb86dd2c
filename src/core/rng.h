// Rng: a small, portable, seedable generator (xoshiro256**), so the same seed gives the
// same model on every platform and standard library.
#pragma once

#include <array>
#include <cstdint>

namespace qforge {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { Seed(seed); }
  void Seed(uint64_t seed);

  uint64_t NextU64();
  // Uniform in [0, 1).
  float Uniform() { return static_cast<float>(NextU64() >> 40) * 0x1.0p-24f; }
  float Uniform(float lo, float hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform integer in [0, n).
  uint64_t Below(uint64_t n) { return NextU64() % n; }
  // Standard normal (Box-Muller).
  float Normal();

 private:
  std::array<uint64_t, 4> s_{};
};

// Derives an independent seed from a base seed and a stream index (splitmix64 mixing).
uint64_t DeriveSeed(uint64_t seed, uint64_t stream);

}  // namespace qforge
