// int8 Add by table with AVX-512 (compiled with AVX-512 flags): per 16 elements, the indices
// (a + 128) * 256 + b + 128, one vpgatherdd of 4 bytes at each (the low byte is the entry),
// and a 16-byte store; the tail with masked loads, gather and store.
#include <immintrin.h>

#include "runtime/kernels/add.h"

namespace qforge::runtime {

void AddInt8TableAvx512(const AddParams& /*in the table*/, const int8_t* table, int64_t begin, int64_t end,
                        const int8_t* input1, const int8_t* input2, int8_t* output) {
  const __m512i offset = _mm512_set1_epi32(128 * 256 + 128);
  for (int64_t i = begin; i < end; i += 16) {
    const __mmask16 lanes = end - i >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << (end - i)) - 1u);
    const __m512i a = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(lanes, input1 + i));
    const __m512i b = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(lanes, input2 + i));
    const __m512i index = _mm512_add_epi32(_mm512_add_epi32(_mm512_slli_epi32(a, 8), b), offset);
    const __m512i entries = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), lanes, index, table, 1);
    _mm_mask_storeu_epi8(output + i, lanes, _mm512_cvtepi32_epi8(entries));
  }
}

}  // namespace qforge::runtime
