// The float32 kernel family behind float and float16-weight models (float16 weights are widened
// at prepare time): GEMM with packed weights (dense layers, and convolutions through
// kernels/float_conv.h), depthwise convolution, max and average pooling, Add and Mean. One table
// (kernels/kernel_family.h), one entry per ISA holding all of its float kernels: the reference
// first (null functions: the ref:: operators of kernels/ref/float_ref.h run), then AVX2 + FMA
// (8 lanes) and AVX-512 (16 lanes). Each optimized kernel sums in the reference's order, but
// with fused multiply-adds from the bias on: GEMM and depthwise results are within a few float
// roundings of the reference (tests bound the difference by 1e-5 of the sum of |terms|);
// pooling, Add, Mean and MinMax are equal to the reference. Kernels never validate. C++17.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/aligned_allocator.h"
#include "runtime/kernels/dispatch.h"
#include "runtime/kernels/gemm_segments.h"
#include "runtime/kernels/int8_params.h"
#include "runtime/kernels/ref/float_ref.h"

namespace qforge::runtime {

struct FloatKernels;

// Weights [n][k] packed for one ISA: panels of `lanes` columns, [n / lanes][k][lanes] (the last
// panel zero-padded), so one aligned vector load gives a k step's weights of `lanes` columns.
struct FloatGemmWeights {
  const FloatKernels* kernel = nullptr;
  int n = 0, k = 0;
  std::vector<float, AlignedAllocator<float>> packed;
  std::vector<float> bias;  // [n rounded up to lanes], zeros where there is none
  ref::FloatActivation act;
};

// Rows [0, m) of a (row stride lda) times the weights -> out (row stride ldc), columns
// [col_begin, col_end); col_begin a multiple of the kernel's lanes.
using FloatGemmRun = void (*)(const FloatGemmWeights& w, int m, const float* a, int64_t lda, GemmSegments segments,
                              float* out, int64_t ldc, int col_begin, int col_end);
// Depth multiplier 1: `rows` output rows of one image from a padded band (kernels/padded_bands.h,
// row_floats per padded row) whose window origins step stride_w pixels; filter [taps][c],
// tap_offsets[t] the tap's offset in floats from the window origin.
using FloatDepthwiseRun = void (*)(const ConvGeometry& g, ref::FloatActivation act, const float* padded,
                                   int64_t row_floats, int rows, const float* filter, const int64_t* tap_offsets,
                                   const float* bias, float* output);
// Output rows [row_begin, row_end) of the batch's out_h rows (row = b * out_h + oy); windows
// clipped to the image (the average divides by the in-image taps).
using FloatPoolRun = void (*)(const ConvGeometry& g, ref::FloatActivation act, const float* input, float* output,
                              int row_begin, int row_end);
using FloatAddRun = void (*)(ref::FloatActivation act, int64_t size, const float* a, const float* b, float* out);
// One image [h * w][c] -> [c].
using FloatMeanRun = void (*)(int hw, int c, const float* input, float* output);
// *lo = min(0, x...), *hi = max(0, x...), NaNs ignored (the dynamic-range layers' sample grids).
using FloatMinMaxRun = void (*)(int64_t size, const float* x, float* lo, float* hi);
// The dynamic-range layers' epilogue (kernels/hybrid.h), in place over [pixels][c]: each
// accumulator — int32 minus correction[channel], or (correction null) an exact integer float —
// becomes ref::HybridOutput of it, equal to the reference.
using HybridFinishRun = void (*)(int64_t pixels, int c, const int32_t* correction, float scale,
                                 const float* filter_scale, const float* bias, ref::FloatActivation act, float* inout);

struct FloatKernels {
  Isa isa;
  const char* name;  // as QFORGE_VERBOSE reports it
  int lanes;         // floats per vector: the packed panels' width
  int column_tile;   // columns one GEMM register tile covers (column ranges split at multiples)
  FloatGemmRun gemm;  // all null for the reference
  FloatDepthwiseRun depthwise;
  FloatPoolRun max_pool, avg_pool;
  FloatAddRun add;
  FloatMeanRun mean;
  FloatMinMaxRun min_max;
  HybridFinishRun hybrid_finish;
};

// ref, then the x86 kernels compiled in.
const std::vector<FloatKernels>& FloatKernelSets();

// Packs w [n][k] and bias [n] (or null) for an optimized `kernel`.
FloatGemmWeights PackFloatGemm(const FloatKernels& kernel, int n, int k, const float* w, const float* bias,
                               ref::FloatActivation act);

// The ISA implementations (kernels/x86/float_*.cc).
#define QFORGE_DECLARE_FLOAT_KERNELS(Suffix)                                                                      \
  void FloatGemm##Suffix(const FloatGemmWeights& w, int m, const float* a, int64_t lda, GemmSegments segments,    \
                         float* out, int64_t ldc, int col_begin, int col_end);                                     \
  void FloatDepthwise##Suffix(const ConvGeometry& g, ref::FloatActivation act, const float* padded,                \
                              int64_t row_floats, int rows, const float* filter, const int64_t* tap_offsets,       \
                              const float* bias, float* output);                                                   \
  void FloatMaxPool##Suffix(const ConvGeometry& g, ref::FloatActivation act, const float* input, float* output,    \
                            int row_begin, int row_end);                                                           \
  void FloatAvgPool##Suffix(const ConvGeometry& g, ref::FloatActivation act, const float* input, float* output,    \
                            int row_begin, int row_end);                                                           \
  void FloatAdd##Suffix(ref::FloatActivation act, int64_t size, const float* a, const float* b, float* out);       \
  void FloatMean##Suffix(int hw, int c, const float* input, float* output);                                       \
  void FloatMinMax##Suffix(int64_t size, const float* x, float* lo, float* hi);                                   \
  void HybridFinish##Suffix(int64_t pixels, int c, const int32_t* correction, float scale,                        \
                            const float* filter_scale, const float* bias, ref::FloatActivation act, float* inout);
QFORGE_DECLARE_FLOAT_KERNELS(Avx2)
QFORGE_DECLARE_FLOAT_KERNELS(Avx512)
#undef QFORGE_DECLARE_FLOAT_KERNELS

}  // namespace qforge::runtime
