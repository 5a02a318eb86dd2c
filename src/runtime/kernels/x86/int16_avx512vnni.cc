// The 16x8 depthwise, Add, max-pooling and requantization kernels with AVX-512 (compiled with AVX-512 F, BW, VL,
// DQ and VNNI flags), byte-exact with the reference 16x8 operators. Depthwise: per tap one
// vpdpwssd of 16 channels' int16 values (sign-extended to int32 lanes) against weights held as
// int16 in the low half of each lane, four pixels at a time for independent chains; the 64-bit
// requantization of kernels/x86/requant64_avx512.h. Add: TFLite's 16-bit formula with the int32
// fixed-point code of kernels/x86/requant_avx512.h. Max pooling: vpmaxsw on 32 lanes.
// Requantization between int8 and int16 grids: the same fixed-point code on 16 lanes.
#include <immintrin.h>

#include <algorithm>

#include "runtime/kernels/int16_kernels.h"
#include "runtime/kernels/x86/requant64_avx512.h"
#include "runtime/kernels/x86/float_window_loop.h"
#include "runtime/kernels/x86/requant_avx512.h"

namespace qforge::runtime {
namespace {

__mmask16 Mask16(int n) { return static_cast<__mmask16>((1u << n) - 1u); }
__mmask32 Mask32(int n) { return n >= 32 ? ~__mmask32{0} : static_cast<__mmask32>((1u << n) - 1u); }

// 16 int16 at p (n valid) as int32 lanes.
__m512i LoadWidened(const int16_t* p, __mmask16 valid) { return _mm512_cvtepi16_epi32(_mm256_maskz_loadu_epi16(valid, p)); }

// Channels [c0, c0 + 16) of kPixels output pixels whose window origins are `step` apart.
template <int kPixels>
inline void DepthwiseVector(const Int16DepthwiseWeights& w, const int16_t* origin, int64_t step, int c0,
                            __mmask16 valid, __m512i zp, __m512i lo, __m512i hi, int16_t* out) {
  __m512i acc[kPixels];
  for (int p = 0; p < kPixels; ++p) acc[p] = _mm512_setzero_si512();
  const int32_t* wt = w.w.data() + c0;
  for (const int64_t offset : w.tap_offsets) {
    const __m512i weights = _mm512_loadu_si512(wt);
    for (int p = 0; p < kPixels; ++p)
      acc[p] = _mm512_dpwssd_epi32(acc[p], LoadWidened(origin + p * step + offset + c0, valid), weights);
    wt += w.padded_c;
  }
  const x86::Requant64Tables tables{w.bias.data() + c0, w.reduced.data() + c0, w.round.data() + c0,
                                    w.shift.data() + c0};
  for (int p = 0; p < kPixels; ++p)
    _mm256_mask_storeu_epi16(out + p * w.g.out_c + c0, valid, x86::RequantizeToInt16(acc[p], tables, zp, lo, hi));
}

template <int kPixels>
inline void DepthwisePixels(const Int16DepthwiseWeights& w, const int16_t* origin, int64_t step, __m512i zp,
                            __m512i lo, __m512i hi, int16_t* out) {
  const int c = w.g.out_c;
  for (int c0 = 0; c0 < c; c0 += 16)
    DepthwiseVector<kPixels>(w, origin, step, c0, Mask16(std::min(16, c - c0)), zp, lo, hi, out);
}

}  // namespace

void Int16DepthwiseAvx512Vnni(const Int16DepthwiseWeights& w, const int16_t* padded, int64_t row_elements, int rows,
                              int16_t* output) {
  const ConvGeometry& g = w.g;
  const __m512i zp = _mm512_set1_epi32(w.output_zero_point), lo = _mm512_set1_epi32(w.act_min),
                hi = _mm512_set1_epi32(w.act_max);
  const int64_t step = static_cast<int64_t>(g.stride_w) * g.in_c;
  for (int r = 0; r < rows; ++r) {
    const int16_t* origin = padded + r * g.stride_h * row_elements;
    int16_t* out = output + static_cast<int64_t>(r) * g.out_w * g.out_c;
    int ox = 0;
    for (; ox + 4 <= g.out_w; ox += 4)
      DepthwisePixels<4>(w, origin + ox * step, step, zp, lo, hi, out + static_cast<int64_t>(ox) * g.out_c);
    for (; ox < g.out_w; ++ox)
      DepthwisePixels<1>(w, origin + ox * step, step, zp, lo, hi, out + static_cast<int64_t>(ox) * g.out_c);
  }
}

void Int16AddAvx512(const AddParams& p, int64_t begin, int64_t end, const int16_t* a, const int16_t* b, int16_t* out) {
  struct Multiplier {
    __m512i m, left, right;
  };
  auto vectors = [](QuantizedMultiplier q) {
    return Multiplier{_mm512_set1_epi32(q.multiplier), _mm512_set1_epi32(std::max(q.shift, 0)),
                      _mm512_set1_epi32(std::max(-q.shift, 0))};
  };
  const Multiplier m1 = vectors(p.input1_multiplier), m2 = vectors(p.input2_multiplier),
                   m_out = vectors(p.output_multiplier);
  auto rescale = [&p](__m512i x, __m512i zero_point, const Multiplier& m) {
    const __m512i shifted = _mm512_slli_epi32(_mm512_sub_epi32(x, zero_point), p.left_shift);
    return x86::RoundingDivideByPot(x86::RoundingDoublingHighMul(_mm512_sllv_epi32(shifted, m.left), m.m), m.right);
  };
  const __m512i zp1 = _mm512_set1_epi32(p.input1_zero_point), zp2 = _mm512_set1_epi32(p.input2_zero_point),
                zp = _mm512_set1_epi32(p.output_zero_point), lo = _mm512_set1_epi32(p.act_min),
                hi = _mm512_set1_epi32(p.act_max);
  for (int64_t i = begin; i < end; i += 16) {
    const __mmask16 valid = Mask16(static_cast<int>(std::min<int64_t>(16, end - i)));
    const __m512i sum = _mm512_add_epi32(rescale(LoadWidened(a + i, valid), zp1, m1), rescale(LoadWidened(b + i, valid), zp2, m2));
    const __m512i y = x86::Requantize(sum, m_out.m, m_out.left, m_out.right, zp, lo, hi);
    _mm256_mask_storeu_epi16(out + i, valid, _mm512_cvtepi32_epi16(y));
  }
}

void Int16MaxPoolAvx512(const ConvGeometry& g, int32_t act_min, int32_t act_max, const int16_t* input,
                        int16_t* output, int row_begin, int row_end) {
  const int c = g.in_c;
  const int64_t line = static_cast<int64_t>(g.in_w) * c;
  const __m512i lo = _mm512_set1_epi16(static_cast<int16_t>(act_min)), hi = _mm512_set1_epi16(static_cast<int16_t>(act_max));
  x86::ForEachWindow(g, input, output, row_begin, row_end,
                     [&](int ys, int ye, int xs, int xe, const int16_t* image, int16_t* y) {
                       for (int c0 = 0; c0 < c; c0 += 32) {
                         const __mmask32 valid = Mask32(c - c0);
                         __m512i m = _mm512_set1_epi16(-32768);
                         for (int iy = ys; iy < ye; ++iy)
                           for (int ix = xs; ix < xe; ++ix)
                             m = _mm512_max_epi16(m, _mm512_maskz_loadu_epi16(valid, image + iy * line + ix * c + c0));
                         _mm512_mask_storeu_epi16(y + c0, valid, _mm512_min_epi16(_mm512_max_epi16(m, lo), hi));
                       }
                     });
}

template <typename In, typename Out>
void RequantizeAvx512(const RequantizeParams& p, int64_t begin, int64_t end, const In* input, Out* output) {
  const __m512i m = _mm512_set1_epi32(p.multiplier.multiplier), left = _mm512_set1_epi32(std::max(p.multiplier.shift, 0)),
                right = _mm512_set1_epi32(std::max(-p.multiplier.shift, 0)),
                zp_in = _mm512_set1_epi32(p.input_zero_point), zp_out = _mm512_set1_epi32(p.output_zero_point),
                lo = _mm512_set1_epi32(p.min), hi = _mm512_set1_epi32(p.max);
  for (int64_t i = begin; i < end; i += 16) {
    const __mmask16 valid = Mask16(static_cast<int>(std::min<int64_t>(16, end - i)));
    __m512i x;
    if constexpr (sizeof(In) == 1) {
      x = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(valid, input + i));
    } else {
      x = LoadWidened(input + i, valid);
    }
    const __m512i y = x86::Requantize(_mm512_sub_epi32(x, zp_in), m, left, right, zp_out, lo, hi);
    if constexpr (sizeof(Out) == 1) {
      _mm_mask_storeu_epi8(output + i, valid, _mm512_cvtepi32_epi8(y));
    } else {
      _mm256_mask_storeu_epi16(output + i, valid, _mm512_cvtepi32_epi16(y));
    }
  }
}

template void RequantizeAvx512(const RequantizeParams&, int64_t, int64_t, const int8_t*, int16_t*);
template void RequantizeAvx512(const RequantizeParams&, int64_t, int64_t, const int16_t*, int8_t*);
template void RequantizeAvx512(const RequantizeParams&, int64_t, int64_t, const int16_t*, int16_t*);

}  // namespace qforge::runtime
