// The two-group channel shuffle compiled with AVX2 flags (it needs only SSE2's byte unpacks).
#include <immintrin.h>

#include "runtime/kernels/shuffle.h"

namespace qforge::runtime {

void ShuffleTwoGroupsAvx2(int64_t pixels, int64_t channels, const uint8_t* input, uint8_t* output) {
  const int64_t half = channels / 2;
  for (int64_t p = 0; p < pixels; ++p) {
    const uint8_t* a = input + p * channels;
    const uint8_t* b = a + half;
    uint8_t* out = output + p * channels;
    int64_t k = 0;
    for (; k + 16 <= half; k += 16) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + k));
      const __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + k));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 2 * k), _mm_unpacklo_epi8(x, y));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 2 * k + 16), _mm_unpackhi_epi8(x, y));
    }
    for (; k < half; ++k) {
      out[2 * k] = a[k];
      out[2 * k + 1] = b[k];
    }
  }
}

}  // namespace qforge::runtime
