// Defines the float kernel functions of one ISA (kernels/float_kernels.h) on the shared loop
// nests, for the ISA's file (kernels/x86/float_avx2.cc, float_avx512.cc), which includes it
// after its vector traits under its flags (and -ffp-contract=off: kernels/x86/hybrid_finish_loop.h).
#pragma once

#include "runtime/kernels/x86/float_gemm_loop.h"
#include "runtime/kernels/x86/float_window_loop.h"
#include "runtime/kernels/x86/hybrid_finish_loop.h"

#define QFORGE_DEFINE_FLOAT_KERNELS(Suffix, V)                                                                     \
  void FloatGemm##Suffix(const FloatGemmWeights& w, int m, const float* a, int64_t lda, GemmSegments segments,    \
                         float* out, int64_t ldc, int col_begin, int col_end) {                                    \
    x86::FloatGemmLoop<V>(w, m, a, lda, segments, out, ldc, col_begin, col_end);                                   \
  }                                                                                                                \
  void FloatDepthwise##Suffix(const ConvGeometry& g, ref::FloatActivation act, const float* padded,                \
                              int64_t row_floats, int rows, const float* filter, const int64_t* tap_offsets,       \
                              const float* bias, float* output) {                                                  \
    x86::FloatDepthwiseLoop<V>(g, act, padded, row_floats, rows, filter, tap_offsets, bias, output);               \
  }                                                                                                                \
  void FloatMaxPool##Suffix(const ConvGeometry& g, ref::FloatActivation act, const float* input, float* output,    \
                            int row_begin, int row_end) {                                                          \
    x86::FloatMaxPoolLoop<V>(g, act, input, output, row_begin, row_end);                                           \
  }                                                                                                                \
  void FloatAvgPool##Suffix(const ConvGeometry& g, ref::FloatActivation act, const float* input, float* output,    \
                            int row_begin, int row_end) {                                                          \
    x86::FloatAvgPoolLoop<V>(g, act, input, output, row_begin, row_end);                                           \
  }                                                                                                                \
  void FloatAdd##Suffix(ref::FloatActivation act, int64_t size, const float* a, const float* b, float* out) {       \
    x86::FloatAddLoop<V>(act, size, a, b, out);                                                                    \
  }                                                                                                                \
  void FloatMean##Suffix(int hw, int c, const float* input, float* output) {                                       \
    x86::FloatMeanLoop<V>(hw, c, input, output);                                                                   \
  }                                                                                                                \
  void FloatMinMax##Suffix(int64_t size, const float* x, float* lo, float* hi) {                                   \
    x86::FloatMinMaxLoop<V>(size, x, lo, hi);                                                                      \
  }                                                                                                                \
  void HybridFinish##Suffix(int64_t pixels, int c, const int32_t* correction, float scale,                        \
                            const float* filter_scale, const float* bias, ref::FloatActivation act, float* inout) { \
    x86::HybridFinishLoop<V>(pixels, c, correction, scale, filter_scale, bias, act, inout);                        \
  }
