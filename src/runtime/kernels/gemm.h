// The int8 GEMM kernel family behind fully connected layers and convolutions (1x1, im2col, or
// segmented rows of a padded input): out[m][n] = clamp(MultiplyByQuantizedMultiplier(bias[n] +
// sum_k w[n][k] * (a[m][k] - input_zero_point), multiplier[n], shift[n]) + output_zero_point,
// act_min, act_max) — exactly ref::FullyConnected, byte for byte. GemmKernels() is the family's
// table (kernels/kernel_family.h):
//   ref         ref::FullyConnected itself (no packed form);
//   avx2        16-bit multiply-adds (vpmaddwd) on weights packed [n/8][k/2][8][2] int16;
//   avx512vnni  vpdpbusd on activations + 128 (u8) and weights packed [n/16][k/4][16][4],
//               the +128 and zero-point corrections folded into the bias, both roundings of
//               the requantization done as one 64-bit shift; rows may come as segments;
//   neon        (64-bit Arm) 16-bit multiply-accumulates by lane (smlal) of a - zp widened in
//               registers, weights packed [n/8][k][8] int16 (kernels/arm/gemm_neon.cc);
//   neondot     the dot product (sdot by lane) on int8 activations as they are and weights
//               packed [n/8][k/4][8][4], the zero-point correction folded into the bias
//               (kernels/arm/gemm_neondot.cc).
// SubByteGemmKernels() is the same for weights on grids of at most 4 bits ([-8, 7]):
//   avx512vnni w4  the VNNI kernel on weights packed two per byte, [n/16][k/8][16][4] bytes
//               whose low nibbles (w + 8) are one group of 4 k and high nibbles the next,
//               unpacked in registers (and, shift, subtract 8) — half the weight bytes.
// Weights are packed once (PackGemm, at prepare time); Gemm runs rows [0, m) and never
// validates. C++17.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/aligned_allocator.h"
#include "runtime/kernels/dispatch.h"
#include "runtime/kernels/gemm_segments.h"
#include "runtime/kernels/int8_params.h"
#include "runtime/thread_pool.h"

namespace qforge::runtime {

struct GemmKernel;

struct GemmWeights {
  const GemmKernel* kernel = nullptr;
  int n = 0, k = 0;
  std::vector<int8_t, AlignedAllocator<int8_t>> packed;  // the kernel's layout, zero padding; 64-byte aligned
  std::vector<int32_t> bias;    // per column (padded to the ISA's column block), corrections folded in
  // Requantization per column (padded): multiplier, left shift max(shift, 0), right shift max(-shift, 0).
  std::vector<int32_t> multiplier, left_shift, right_shift;
  bool any_left_shift = false;
  // avx512vnni: both roundings of MultiplyByQuantizedMultiplier as one 64-bit shift (see
  // RequantizeOneShift in kernels/x86/requant_avx512.h), per column in 64-bit lanes, each block
  // of 16 columns stored as [8 even columns][8 odd columns]: the addend for x >= 0 and x < 0,
  // and the shift 31 + right_shift.
  std::vector<int64_t> round_add, round_add_negative, round_shift;
  int32_t input_zero_point = 0, output_zero_point = 0, act_min = -128, act_max = 127;
  // PackGemmInt32: the kernel stores the raw int32 accumulators sum w * a' — a' the activation
  // in the kernel's input form (a + 128 for VNNI, a itself for the others), no bias, no
  // requantization — and `out` holds int32 (ldc counted in int32 elements).
  bool int32_output = false;
};

// How a kernel takes activation rows: int8 as in the tensor, or a + 128 as u8 with each row
// zero-padded to a multiple of the kernel's k_group bytes (a form im2col writes directly).
enum class GemmInput { kInt8, kBiasedU8 };

// GemmSegments (kernels/gemm_segments.h): the packed k / count bytes of a run are a multiple of
// the kernel's k_group; only kernels with takes_segments read them.

// dst[i] = src[i] ^ flip for i < n: activations into a kernel's input form (flip 0x80: a + 128).
using CopyRun = void (*)(uint8_t* dst, const uint8_t* src, int n, uint8_t flip);
// Rows [0, m) of a (the kernel's input form, row stride lda) -> out (row stride ldc), columns
// [col_begin, col_end).
using GemmRun = void (*)(const GemmWeights& w, int m, const int8_t* a, int64_t lda, GemmSegments segments,
                         int8_t* out, int64_t ldc, int col_begin, int col_end);

// One entry of the GEMM family's table.
struct GemmKernel {
  Isa isa;
  const char* name;         // as QFORGE_VERBOSE reports it
  int column_block;         // the packed layout: columns per block,
  int k_group;              //   k values per group,
  int weight_bytes;         //   bytes per weight (int16 for vpmaddwd)
  int column_tile;          // columns one register tile covers (column ranges split at multiples)
  GemmInput input;          // the activation rows it reads
  bool one_shift_requant;   // precomputed 64-bit rounding terms (round_add, round_shift)
  bool takes_segments;      // reads GemmSegments (a convolution without im2col)
  CopyRun copy;             // the fastest CopyFlipped this ISA has
  GemmRun run;              // null for the reference
  bool nibbles = false;     // weights in [-8, 7] packed two per byte (k_group 8: two groups of 4)
  // The kernel multiplies the input form as it is: (zero point + GemmInputOffset) * sum w is
  // taken from the bias at packing (false: the kernel subtracts the zero point itself).
  bool zero_point_in_bias = false;
};

// ref, then the x86 or Arm kernels compiled in.
const std::vector<GemmKernel>& GemmKernels();
// ref, then the x86 kernels for weights in [-8, 7] compiled in.
const std::vector<GemmKernel>& SubByteGemmKernels();

// The one-shift rounding terms of a column whose requantization shifts right by
// `right_shift` (GemmWeights::round_add etc.; derivation in kernels/x86/requant_avx512.h).
struct OneShiftRounding {
  int64_t add, add_negative, shift;
};
OneShiftRounding OneShiftRoundingFor(int right_shift);

// Packs weights w [n][k] (int8, symmetric; in [-8, 7] for a `nibbles` kernel) and bias [n] (or
// null) for an optimized `kernel`.
GemmWeights PackGemm(const GemmKernel& kernel, int n, int k, const int8_t* w, const int32_t* bias,
                     const Requantization& q);

// For callers that apply their own epilogue (dynamic-range layers, kernels/hybrid.h): weights
// packed for int32 output, see GemmWeights::int32_output.
GemmWeights PackGemmInt32(const GemmKernel& kernel, int n, int k, const int8_t* w);
// The value the kernel adds to each activation before multiplying: 128 (u8 input form) or 0.
int32_t GemmInputOffset(const GemmKernel& kernel);
// Where row `row`, column 0 of a GEMM output with row stride ldc starts (int8 or int32 output).
inline int8_t* GemmOutputRow(const GemmWeights& w, int8_t* out, int64_t row, int64_t ldc) {
  return out + row * ldc * (w.int32_output ? 4 : 1);
}

// The byte an int8 activation is xor-ed with to give the kernel's input form: 0x80 or 0.
uint8_t GemmInputFlip(const GemmKernel& kernel);
// The portable CopyFlipped and the AVX-512 one (kernels/x86/copy_avx512.cc: 64 bytes per step,
// the tail masked).
void CopyFlipped(uint8_t* dst, const uint8_t* src, int n, uint8_t flip);
void CopyFlippedAvx512(uint8_t* dst, const uint8_t* src, int n, uint8_t flip);

// Bytes per row of the kernel's input form for k inputs.
int GemmInputRowBytes(const GemmKernel& kernel, int k);
// Copies `rows` int8 rows of k bytes (stride lda) into the kernel's input form (stride `stride`).
void ToGemmInput(const GemmKernel& kernel, int rows, int k, const int8_t* a, int64_t lda, int8_t* native,
                 int64_t stride);

// Rows [0, m) of a — in the kernel's input form (row stride lda) — -> out (row stride ldc),
// columns [col_begin, col_end) (col_end -1: all n); col_begin must be a multiple of
// the kernel's column_tile.
void Gemm(const GemmWeights& w, int m, const int8_t* a, int64_t lda, int8_t* out, int64_t ldc, int col_begin = 0,
          int col_end = -1);
// All columns, each row's k inputs read as `segments` (kernels with takes_segments).
void GemmSegmented(const GemmWeights& w, int m, const int8_t* a, int64_t lda, GemmSegments segments, int8_t* out,
                   int64_t ldc);
// One layer's GEMM on int8 activations (dense layers, 1x1 convolutions). Where the kernel's
// input is another form (VNNI: a + 128, rows padded to groups of 4), each block of rows is
// converted once into per-thread scratch — one pass over the activations instead of a flip in
// the inner loop of every column tile — then multiplied. Threads take row blocks, or column
// tiles of a single block (ISAs that take int8 rows directly: row blocks or column tiles of
// the whole matrix). Not reentrant (the scratch).
class GemmRunner {
 public:
  GemmRunner(GemmWeights weights, ThreadPool* pool);
  void Run(int m, const int8_t* a, int64_t lda, int8_t* out, int64_t ldc);
  const GemmWeights& weights() const { return weights_; }

 private:
  GemmWeights weights_;
  ThreadPool* pool_;
  GemmInput input_;
  int row_bytes_ = 0, block_rows_ = 0;
  std::vector<int8_t> scratch_;  // block_rows_ rows per thread
};

// The ISA implementations (kernels/x86/*.cc, kernels/arm/*.cc), the table's run functions.
void GemmAvx2(const GemmWeights& w, int m, const int8_t* a, int64_t lda, GemmSegments segments, int8_t* out,
              int64_t ldc, int col_begin, int col_end);
void GemmAvx512Vnni(const GemmWeights& w, int m, const int8_t* a, int64_t lda, GemmSegments segments, int8_t* out,
                    int64_t ldc, int col_begin, int col_end);
void GemmNeon(const GemmWeights& w, int m, const int8_t* a, int64_t lda, GemmSegments segments, int8_t* out,
              int64_t ldc, int col_begin, int col_end);
void GemmNeonDot(const GemmWeights& w, int m, const int8_t* a, int64_t lda, GemmSegments segments, int8_t* out,
                 int64_t ldc, int col_begin, int col_end);
void GemmAvx512VnniW4(const GemmWeights& w, int m, const int8_t* a, int64_t lda, GemmSegments segments, int8_t* out,
                      int64_t ldc, int col_begin, int col_end);

}  // namespace qforge::runtime
