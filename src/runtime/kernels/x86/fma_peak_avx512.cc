// The CPU's float32 multiply-add peak on one core, measured: 16 independent chains of
// vfmadd231ps (16 lanes each), no memory traffic. Compiled with AVX-512 flags; called through
// MeasureFloatPeakGflops, which checks the CPU first.
#include <immintrin.h>

#include <chrono>

#include "runtime/kernels/peak.h"

namespace qforge::runtime {

double FmaPeakGflopsAvx512(int64_t iterations) {
  // 16 accumulators in named registers: an array may be kept in memory.
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0,
         a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
  const __m512 x = _mm512_set1_ps(0.999f), w = _mm512_set1_ps(1e-3f);
  const auto start = std::chrono::steady_clock::now();
  // Inline assembly keeps every chain in its register and the compiler from folding it.
#define QF_FMA4(p, q, r, s)                                                \
  __asm__ volatile("vfmadd231ps %4, %5, %0\n\tvfmadd231ps %4, %5, %1\n\t" \
                   "vfmadd231ps %4, %5, %2\n\tvfmadd231ps %4, %5, %3"       \
                   : "+v"(p), "+v"(q), "+v"(r), "+v"(s)                    \
                   : "v"(x), "v"(w))
  for (int64_t it = 0; it < iterations; ++it) {
    QF_FMA4(a0, a1, a2, a3);
    QF_FMA4(a4, a5, a6, a7);
    QF_FMA4(a8, a9, a10, a11);
    QF_FMA4(a12, a13, a14, a15);
  }
#undef QF_FMA4
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const __m512 sum = _mm512_add_ps(
      _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                    _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7))),
      _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)),
                    _mm512_add_ps(_mm512_add_ps(a12, a13), _mm512_add_ps(a14, a15))));
  volatile float sink = _mm512_reduce_add_ps(sum);
  (void)sink;
  return 2.0 * 16 * 16 * static_cast<double>(iterations) / seconds / 1e9;  // multiply + add = 2 operations
}

}  // namespace qforge::runtime
