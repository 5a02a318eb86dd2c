// The int16x8 mode's kernel family: int16 activations (symmetric), int8 weights, int64 bias.
// Int16KernelSets() is the family's table (kernels/kernel_family.h), one entry per ISA holding
// all of its 16x8 kernels, each byte-exact with the reference 16x8 operator:
//   ref         null functions: the reference operators run;
//   avx512vnni  GEMM (dense layers, and convolutions through kernels/segmented_conv.h):
//               vpdpwssd (pairs of int16 products summed into int32) on weights packed
//               [n/16][runs][pairs][16][2]; the int32 sums move into int64 every 255 pairs
//               (510 products of at most 2^15 x 2^7 stay below 2^31), and the epilogue
//               requantizes in 64-bit lanes as MultiplyByQuantizedMultiplier64;
//               depthwise (depth multiplier 1): one vpdpwssd per tap and 16 channels on a padded
//               band (int32 sums are exact below 512 taps: Int16DepthwiseFits), the same
//               64-bit epilogue;
//               max pooling: 32 int16 lanes per vpmaxsw; Add: TFLite's 16-bit formula on 16
//               int32 lanes; the requantizing QUANTIZEs between int8 and int16 regions on 16
//               int32 lanes.
// A GEMM row's k inputs come as `runs` equal runs (GemmSegments; an odd run's last pair is one
// product), packed for at PackInt16Gemm. Kernels never validate. C++17.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/aligned_allocator.h"
#include "runtime/kernels/depthwise.h"
#include "runtime/kernels/dispatch.h"
#include "runtime/kernels/gemm_segments.h"
#include "runtime/kernels/int8_params.h"
#include "runtime/kernels/padded_bands.h"
#include "runtime/kernels/ref/elementwise_ref.h"
#include "runtime/kernels/segmented_conv.h"

namespace qforge::runtime {

struct Int16Kernels;

struct Int16GemmWeights {
  const Int16Kernels* kernel = nullptr;
  int n = 0, k = 0;
  int runs = 1, pairs = 0;  // rows read as `runs` runs of k / runs values, each packed as `pairs` pairs
  std::vector<int16_t, AlignedAllocator<int16_t>> packed;
  // Per column, padded to 16: the bias, and MultiplyByQuantizedMultiplier64's Q15 multiplier,
  // rounding addend 2^(t-1) and shift t = 15 - shift.
  std::vector<int64_t> bias, reduced, round, shift;
  int32_t output_zero_point = 0, act_min = -32768, act_max = 32767;
};

// Rows [0, m) of a (int16, row stride lda) -> out (row stride ldc), columns [col_begin,
// col_end); segments.count equals the weights' runs.
using Int16GemmRun = void (*)(const Int16GemmWeights& w, int m, const int16_t* a, int64_t lda, GemmSegments segments,
                              int16_t* out, int64_t ldc, int col_begin, int col_end);

// Depth multiplier 1, packed per channel (padded to 16): each weight as int16 in the low half of
// an int32 (vpdpwssd's operand against a lane holding an int16 value), [taps][padded_c]; the
// bias and the 64-bit requantization constants as in Int16GemmWeights; each tap's offset in
// int16s from the window's first tap in the padded rows.
struct Int16DepthwiseWeights {
  ConvGeometry g;
  int padded_c = 0;
  std::vector<int32_t> w;
  std::vector<int64_t> bias, reduced, round, shift;
  std::vector<int64_t> tap_offsets;
  int32_t output_zero_point = 0, act_min = -32768, act_max = 32767;
};

// `rows` output rows of one image from a padded band (row_elements int16s per padded row).
using Int16DepthwiseRun = void (*)(const Int16DepthwiseWeights& w, const int16_t* padded, int64_t row_elements,
                                   int rows, int16_t* output);
// Elements [begin, end) of ref::Add's 16-bit formula.
using Int16AddRun = void (*)(const AddParams& p, int64_t begin, int64_t end, const int16_t* a, const int16_t* b,
                             int16_t* out);
// Output rows [row_begin, row_end) of the batch's out_h rows, as ref::MaxPool.
using Int16MaxPoolRun = void (*)(const ConvGeometry& g, int32_t act_min, int32_t act_max, const int16_t* input,
                                 int16_t* output, int row_begin, int row_end);

// Elements [begin, end) of ref::Requantize: the QUANTIZE between a mixed-precision model's int8
// and int16 regions.
template <typename In, typename Out>
using RequantizeRun = void (*)(const RequantizeParams& p, int64_t begin, int64_t end, const In* input, Out* output);

struct Int16Kernels {
  Isa isa;
  const char* name;   // as QFORGE_VERBOSE reports it
  int column_tile;    // columns one GEMM register tile covers (column ranges split at multiples)
  Int16GemmRun gemm;  // all null for the reference
  Int16DepthwiseRun depthwise;
  Int16AddRun add;
  Int16MaxPoolRun max_pool;
  RequantizeRun<int8_t, int16_t> widen;     // int8 -> int16
  RequantizeRun<int16_t, int8_t> narrow;    // int16 -> int8
  RequantizeRun<int16_t, int16_t> regrid;   // int16 -> int16 on another scale
};

// ref, then the x86 kernels compiled in.
const std::vector<Int16Kernels>& Int16KernelSets();

// Packs w [n][k] (int8) and bias [n] (int64, or null) for rows read as `runs` runs.
Int16GemmWeights PackInt16Gemm(const Int16Kernels& kernel, int n, int k, int runs, const int8_t* w,
                               const int64_t* bias, const Requantization& q);

// filter [out_c][kh][kw][in_c] (OHWI), bias [out_c] or null.
class Int16Conv : public SegmentedConv<int16_t, Int16GemmWeights> {
 public:
  Int16Conv(const ConvGeometry& g, const Int16Kernels& kernel, const int8_t* filter, const int64_t* bias,
            const Requantization& q, ThreadPool* pool)
      : SegmentedConv(g, pool, [&](int n, int k, int runs) { return PackInt16Gemm(kernel, n, k, runs, filter, bias, q); }) {}
};

// The 64-bit requantization constants of MultiplyByQuantizedMultiplier64 for q's channels
// [0, n), padded with zeros to `padded` (bias may be null).
void Int16RequantTables(int n, int padded, const int64_t* bias, const Requantization& q, std::vector<int64_t>* bias_out,
                        std::vector<int64_t>* reduced, std::vector<int64_t>* round, std::vector<int64_t>* shift);

// Whether the optimized depthwise kernels take this layer: depth multiplier 1, and fewer than
// 512 taps (their int32 sums of taps x 2^15 x 2^7 stay below 2^31).
inline bool Int16DepthwiseFits(const ConvGeometry& g) {
  return g.out_c == g.in_c && int64_t{g.kernel_h} * g.kernel_w < 512;
}

// For an optimized `kernel`: filter [kh][kw][c], bias [c] or null; Int16DepthwiseFits(g).
Int16DepthwiseWeights PackInt16Depthwise(const ConvGeometry& g, const int8_t* filter, const int64_t* bias,
                                         const Requantization& q);

// One depthwise layer: bands of output rows (one task each) over padded copies of their input.
// Not reentrant (the scratch).
class Int16Depthwise {
 public:
  Int16Depthwise(const ConvGeometry& g, const Int16Kernels& kernel, const int8_t* filter, const int64_t* bias,
                 const Requantization& q, ThreadPool* pool);
  void Run(const int16_t* input, int16_t* output);

 private:
  const Int16Kernels* kernel_;
  ThreadPool* pool_;
  Int16DepthwiseWeights weights_;
  PaddedBands bands_;
  std::vector<int16_t> scratch_;  // one band per thread
};

void Int16GemmAvx512Vnni(const Int16GemmWeights& w, int m, const int16_t* a, int64_t lda, GemmSegments segments,
                         int16_t* out, int64_t ldc, int col_begin, int col_end);
void Int16DepthwiseAvx512Vnni(const Int16DepthwiseWeights& w, const int16_t* padded, int64_t row_elements, int rows,
                              int16_t* output);
void Int16AddAvx512(const AddParams& p, int64_t begin, int64_t end, const int16_t* a, const int16_t* b, int16_t* out);
void Int16MaxPoolAvx512(const ConvGeometry& g, int32_t act_min, int32_t act_max, const int16_t* input,
                        int16_t* output, int row_begin, int row_end);
template <typename In, typename Out>
void RequantizeAvx512(const RequantizeParams& p, int64_t begin, int64_t end, const In* input, Out* output);

}  // namespace qforge::runtime
