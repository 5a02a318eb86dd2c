// The CPU's int8 multiply-accumulate peak on one core, measured: 16 independent chains of
// vpdpbusd (64 u8 x s8 products per instruction), no memory traffic. Compiled with AVX-512 VNNI
// flags; called through MeasureInt8PeakGops, which checks the CPU first.
#include "runtime/kernels/peak.h"

#include <immintrin.h>

#include <chrono>

namespace qforge::runtime {

double VnniPeakGopsAvx512(int64_t iterations) {
  // 16 accumulators in named registers (an array could be kept in memory).
  __m512i a0 = _mm512_set1_epi32(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0,
          a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
  const __m512i x = _mm512_set1_epi32(0x01020304), w = _mm512_set1_epi32(0x01FF01FF);
  const auto start = std::chrono::steady_clock::now();
  // Inline assembly: the compiler sees constant operands and would otherwise rewrite the chain.
#define QF_DPBUSD(acc) __asm__ volatile("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(x), "v"(w))
  for (int64_t it = 0; it < iterations; ++it) {
    QF_DPBUSD(a0); QF_DPBUSD(a1); QF_DPBUSD(a2); QF_DPBUSD(a3); QF_DPBUSD(a4); QF_DPBUSD(a5); QF_DPBUSD(a6);
    QF_DPBUSD(a7); QF_DPBUSD(a8); QF_DPBUSD(a9); QF_DPBUSD(a10); QF_DPBUSD(a11); QF_DPBUSD(a12); QF_DPBUSD(a13);
    QF_DPBUSD(a14); QF_DPBUSD(a15);
  }
#undef QF_DPBUSD
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  __m512i sum = _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(a0, a1), _mm512_add_epi32(a2, a3)),
                                 _mm512_add_epi32(_mm512_add_epi32(a4, a5), _mm512_add_epi32(a6, a7)));
  sum = _mm512_add_epi32(sum, _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(a8, a9), _mm512_add_epi32(a10, a11)),
                                               _mm512_add_epi32(_mm512_add_epi32(a12, a13), _mm512_add_epi32(a14, a15))));
  volatile int sink = _mm512_reduce_add_epi32(sum);
  (void)sink;
  return 2.0 * 64 * 16 * static_cast<double>(iterations) / seconds / 1e9;  // multiply + add = 2 operations
}

}  // namespace qforge::runtime
