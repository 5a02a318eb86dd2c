// acc += x (u8) . w (s8) per group of 4 bytes (vpdpbusd), updated in place by inline assembly:
// with the intrinsic GCC 12 copies and spills the accumulator tiles on every step. Included only
// by files compiled with AVX-512 VNNI flags.
#pragma once

#include <immintrin.h>

namespace qforge::runtime::x86 {

__attribute__((always_inline)) inline void Dpbusd(__m512i& acc, __m512i x, __m512i w) {
  __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(x), "v"(w));
}

}  // namespace qforge::runtime::x86
