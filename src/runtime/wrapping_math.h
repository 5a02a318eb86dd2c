// Integer accumulator arithmetic that wraps modulo 2^32 (2^64 for the 16x8 mode's int64), as the
// SIMD kernels' integer adds and multiplies do. A valid model's accumulators never overflow; a
// damaged or hostile file can make them, and then every kernel — reference, optimized, and the
// bias folding done when weights are packed — gives the same defined result instead of
// undefined behaviour (found by fuzz_qfm: a bias near INT32_MAX in a depthwise layer).
// For floating-point types these are the plain operations.
#pragma once

#include <type_traits>

namespace qforge::runtime {

template <typename T>
constexpr T WrappingAdd(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    static_assert(sizeof(T) >= sizeof(int), "narrower types promote to int and do not wrap");
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return a + b;
  }
}

template <typename T>
constexpr T WrappingSub(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    static_assert(sizeof(T) >= sizeof(int), "narrower types promote to int and do not wrap");
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
  } else {
    return a - b;
  }
}

template <typename T>
constexpr T WrappingMul(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    static_assert(sizeof(T) >= sizeof(int), "narrower types promote to int and do not wrap");
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
  } else {
    return a * b;
  }
}

}  // namespace qforge::runtime
