// Optimized float -> int8 quantization (QUANTIZE, the int8 models' first operator): exactly
// ref::Quantize — q = clamp(zero_point + round_half_away(x / scale)), computed in double, NaN
// to the zero point — as x times 1 / scale in float, with blocks holding a value near a
// rounding boundary redone the reference's way; written branch-free (rounding as truncation
// plus a half-step test) so it vectorizes; one loop (kernels/quantize_loop.h) compiled per ISA.
// QuantizeKernels() is the family's table (kernels/kernel_family.h). C++17.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/kernels/dispatch.h"

namespace qforge::runtime {

// Elements [begin, end).
using QuantizeRun = void (*)(float scale, int32_t zero_point, int64_t begin, int64_t end, const float* input,
                             int8_t* output);

// One entry of the quantize family's table.
struct QuantizeKernel {
  Isa isa;
  const char* name;  // as QFORGE_VERBOSE reports it
  QuantizeRun run;   // null for the reference
};

// ref, then the x86 or Arm kernels compiled in.
const std::vector<QuantizeKernel>& QuantizeKernels();

void QuantizeInt8Avx2(float scale, int32_t zero_point, int64_t begin, int64_t end, const float* input, int8_t* output);
void QuantizeInt8Neon(float scale, int32_t zero_point, int64_t begin, int64_t end, const float* input,
                      int8_t* output);
void QuantizeInt8Avx512(float scale, int32_t zero_point, int64_t begin, int64_t end, const float* input,
                        int8_t* output);

}  // namespace qforge::runtime
