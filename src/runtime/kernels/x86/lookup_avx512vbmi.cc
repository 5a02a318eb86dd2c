// int8 table lookup compiled with AVX-512 VBMI flags: the 256-entry table in four registers,
// the input byte q read as the index q + 128 (its top bit flipped), VPERMI2B on each 128-entry
// half, the index's top bit choosing the half.
#include <immintrin.h>

#include <algorithm>

#include "runtime/kernels/lookup.h"

namespace qforge::runtime {

void LookupInt8Vbmi(const Int8Table& table, int64_t begin, int64_t end, const int8_t* input, int8_t* output) {
  const __m512i t0 = _mm512_loadu_si512(table.data()), t1 = _mm512_loadu_si512(table.data() + 64);
  const __m512i t2 = _mm512_loadu_si512(table.data() + 128), t3 = _mm512_loadu_si512(table.data() + 192);
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  for (int64_t i = begin; i < end; i += 64) {
    const int64_t n = std::min<int64_t>(64, end - i);
    const __mmask64 mask = n == 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1;
    const __m512i index = _mm512_xor_si512(_mm512_maskz_loadu_epi8(mask, input + i), flip);
    const __m512i low = _mm512_permutex2var_epi8(t0, index, t1), high = _mm512_permutex2var_epi8(t2, index, t3);
    _mm512_mask_storeu_epi8(output + i, mask, _mm512_mask_blend_epi8(_mm512_movepi8_mask(index), low, high));
  }
}

}  // namespace qforge::runtime
