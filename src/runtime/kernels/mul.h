// Optimized int8 Mul (TFLite's integer formula, kernels/ref/mul_ref.h), byte-exact with
// ref::Mul, the family's reference entry (MulKernels(), kernels/kernel_family.h): avx2,
// avx512vnni and neon run the formula on 8, 16 or 4 lanes — zero points subtracted, one 32-bit
// product, the vector requantization of kernels/x86/requant_*.h or kernels/arm/vec_neon.h — along the channels of each pixel, the
// gate ([N, 1, 1, C], squeeze-excite) read per sample. C++17.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/kernels/dispatch.h"
#include "runtime/kernels/ref/mul_ref.h"

namespace qforge::runtime {

using MulRun = void (*)(const MulShape& s, const MulParams& p, const int8_t* input1, const int8_t* input2,
                        int8_t* output);

struct MulKernel {
  Isa isa;
  const char* name;  // as QFORGE_VERBOSE and bench --profile report it
  MulRun run;        // null for the reference
};

// ref, then the x86 or Arm kernels compiled in.
const std::vector<MulKernel>& MulKernels();

void MulInt8Avx2(const MulShape& s, const MulParams& p, const int8_t* input1, const int8_t* input2, int8_t* output);
void MulInt8Neon(const MulShape& s, const MulParams& p, const int8_t* input1, const int8_t* input2, int8_t* output);
void MulInt8Avx512(const MulShape& s, const MulParams& p, const int8_t* input1, const int8_t* input2, int8_t* output);

}  // namespace qforge::runtime
