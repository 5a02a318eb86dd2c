// Flipped byte runs (activations into the VNNI GEMM input form) with AVX-512 (compiled with AVX-512 flags): 64 bytes per step,
// the tail with a masked load and store, which touch no byte past the run.
#include <immintrin.h>

#include "runtime/kernels/gemm.h"

namespace qforge::runtime {

void CopyFlippedAvx512(uint8_t* dst, const uint8_t* src, int n, uint8_t flip) {
  const __m512i f = _mm512_set1_epi8(static_cast<char>(flip));
  int i = 0;
  for (; i + 64 <= n; i += 64) _mm512_storeu_si512(dst + i, _mm512_xor_si512(_mm512_loadu_si512(src + i), f));
  if (i < n) {
    const __mmask64 tail = ~0ull >> (64 - (n - i));
    _mm512_mask_storeu_epi8(dst + i, tail, _mm512_xor_si512(_mm512_maskz_loadu_epi8(tail, src + i), f));
  }
}

}  // namespace qforge::runtime
