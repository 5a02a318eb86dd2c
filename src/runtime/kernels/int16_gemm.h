// The 16x8 GEMM family behind the int16x8 mode's dense layers and convolutions (through
// kernels/segmented_conv.h): int16 activations (symmetric), int8 weights widened to int16,
// int64 bias, out = clamp(MultiplyByQuantizedMultiplier64(bias + sum w * a) + zero point) —
// exactly ref::Conv2D / FullyConnected of the 16x8 overloads, byte for byte.
// Int16GemmKernels() is the family's table (kernels/kernel_family.h):
//   ref         the reference itself;
//   avx512vnni  vpdpwssd (pairs of int16 products summed into int32) on weights packed
//               [n/16][runs][pairs][16][2]; the int32 sums move into int64 every 256 pairs
//               (512 products of at most 2^15 x 127 stay below 2^31), and the epilogue
//               requantizes in 64-bit lanes.
// A row's k inputs come as `runs` equal runs (GemmSegments; an odd run's last pair is one
// product), packed for at PackInt16Gemm. Kernels never validate. C++17.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/aligned_allocator.h"
#include "runtime/kernels/dispatch.h"
#include "runtime/kernels/gemm_segments.h"
#include "runtime/kernels/int8_params.h"
#include "runtime/kernels/segmented_conv.h"

namespace qforge::runtime {

struct Int16GemmKernel;

struct Int16GemmWeights {
  const Int16GemmKernel* kernel = nullptr;
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

struct Int16GemmKernel {
  Isa isa;
  const char* name;   // as QFORGE_VERBOSE reports it
  int column_tile;    // columns one register tile covers (column ranges split at multiples)
  Int16GemmRun gemm;  // null for the reference
};

// ref, then the x86 kernels compiled in.
const std::vector<Int16GemmKernel>& Int16GemmKernels();

// Packs w [n][k] (int8) and bias [n] (int64, or null) for rows read as `runs` runs.
Int16GemmWeights PackInt16Gemm(const Int16GemmKernel& kernel, int n, int k, int runs, const int8_t* w,
                               const int64_t* bias, const Requantization& q);

// filter [out_c][kh][kw][in_c] (OHWI), bias [out_c] or null.
class Int16Conv : public SegmentedConv<int16_t, Int16GemmWeights> {
 public:
  Int16Conv(const ConvGeometry& g, const Int16GemmKernel& kernel, const int8_t* filter, const int64_t* bias,
            const Requantization& q, ThreadPool* pool)
      : SegmentedConv(g, pool, [&](int n, int k, int runs) { return PackInt16Gemm(kernel, n, k, runs, filter, bias, q); }) {}
};

void Int16GemmAvx512Vnni(const Int16GemmWeights& w, int m, const int16_t* a, int64_t lda, GemmSegments segments,
                         int16_t* out, int64_t ldc, int col_begin, int col_end);

}  // namespace qforge::runtime
