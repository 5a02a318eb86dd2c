// Depthwise convolution with AVX-512: 16 channels per vector (compiled with AVX-512 flags).
#include <immintrin.h>

#include "runtime/kernels/x86/depthwise_loop.h"
#include "runtime/kernels/x86/requant_avx512.h"

namespace qforge::runtime {
namespace {

struct Avx512 {
  using I = __m512i;
  static constexpr int kLanes = 16;
  static I Set1(int32_t v) { return _mm512_set1_epi32(v); }
  static I Load(const int32_t* p) { return _mm512_loadu_si512(p); }
  static I LoadBytes(const int8_t* p, int n) {
    return _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(static_cast<__mmask16>((1u << n) - 1u), p));
  }
  static I Sub(I a, I b) { return _mm512_sub_epi32(a, b); }
  static I MulAdd(I acc, I x, I w) { return _mm512_add_epi32(acc, _mm512_mullo_epi32(x, w)); }
  static I Requantize(I acc, I m, I left, I right, I zp, I lo, I hi) {
    return x86::Requantize(acc, m, left, right, zp, lo, hi);
  }
  static void StoreBytes(int8_t* p, I v, int n) {
    _mm_mask_storeu_epi8(p, static_cast<__mmask16>((1u << n) - 1u), _mm512_cvtepi32_epi8(v));
  }
};

}  // namespace

void DepthwiseAvx512(const DepthwiseWeights& w, const int8_t* input, int8_t* output, int row_begin, int row_end) {
  x86::DepthwiseRows<Avx512>(w, input, output, row_begin, row_end);
}

}  // namespace qforge::runtime
