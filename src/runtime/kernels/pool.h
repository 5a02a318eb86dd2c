// Optimized int8 max pooling on NHWC: each output pixel reduces its in-image taps with an
// element-wise max over the contiguous channels — one loop nest (kernels/max_pool_loop.h)
// compiled once per ISA, where it vectorizes. Byte-exact with ref::MaxPool, the family's
// reference entry (MaxPoolKernels(), kernels/kernel_family.h). C++17.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/kernels/dispatch.h"
#include "runtime/kernels/int8_params.h"

namespace qforge::runtime {

// Output rows [row_begin, row_end) of the batch's out_h rows (row = b * out_h + oy).
using MaxPoolRun = void (*)(const ConvGeometry& g, int32_t act_min, int32_t act_max, const int8_t* input,
                            int8_t* output, int row_begin, int row_end);

// One entry of the max-pooling family's table.
struct MaxPoolKernel {
  Isa isa;
  const char* name;  // as QFORGE_VERBOSE reports it
  MaxPoolRun run;    // null for the reference
};

// ref, then the x86 or Arm kernels compiled in.
const std::vector<MaxPoolKernel>& MaxPoolKernels();

void MaxPoolInt8Avx2(const ConvGeometry& g, int32_t act_min, int32_t act_max, const int8_t* input, int8_t* output,
                     int row_begin, int row_end);
void MaxPoolInt8Neon(const ConvGeometry& g, int32_t act_min, int32_t act_max, const int8_t* input, int8_t* output,
                     int row_begin, int row_end);
void MaxPoolInt8Avx512(const ConvGeometry& g, int32_t act_min, int32_t act_max, const int8_t* input,
                       int8_t* output, int row_begin, int row_end);

}  // namespace qforge::runtime
