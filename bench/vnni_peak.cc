// The CPU's int8 multiply-accumulate peak on one core, measured: 24 independent chains of
// vpdpbusd (64 u8 x s8 products per instruction), no memory traffic. Compiled with AVX-512 VNNI
// flags; callers check the CPU first (runtime::SupportedIsa).
#include "bench/vnni_peak.h"

#include <immintrin.h>

#include <chrono>

namespace qforge::bench {

double VnniPeakGops(int64_t iterations) {
  __m512i acc[24];
  for (int i = 0; i < 24; ++i) acc[i] = _mm512_set1_epi32(i);
  const __m512i a = _mm512_set1_epi32(0x01020304), b = _mm512_set1_epi32(0x01FF01FF);
  const auto start = std::chrono::steady_clock::now();
  for (int64_t it = 0; it < iterations; ++it) {
    for (int i = 0; i < 24; ++i) acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
    __asm__ volatile("" : "+v"(acc[0]), "+v"(acc[1]), "+v"(acc[2]), "+v"(acc[3]));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  __m512i sum = acc[0];
  for (int i = 1; i < 24; ++i) sum = _mm512_add_epi32(sum, acc[i]);
  volatile int sink = _mm512_reduce_add_epi32(sum);
  (void)sink;
  return 2.0 * 64 * 24 * static_cast<double>(iterations) / seconds / 1e9;  // multiply + add = 2 ops
}

}  // namespace qforge::bench
