// Optimized int8 table lookup — the element-wise unary operators (HARD_SWISH, HARD_SIGMOID,
// SIGMOID, SILU, CLIP) as their 256-entry tables (kernels/ref/lut_ref.h) — byte-exact with
// ref::Lookup, the family's reference entry (LookupKernels(), kernels/kernel_family.h):
//   avx512vbmi  64 bytes at a time: two 128-entry VPERMI2B lookups, the input's top bit picks
//               between them.
// C++17.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/kernels/dispatch.h"
#include "runtime/kernels/ref/lut_ref.h"

namespace qforge::runtime {

// Elements [begin, end) of input through `table` (indexed by q + 128) into output.
using LookupRun = void (*)(const Int8Table& table, int64_t begin, int64_t end, const int8_t* input, int8_t* output);

struct LookupKernel {
  Isa isa;
  const char* name;  // as QFORGE_VERBOSE and bench --profile report it
  LookupRun run;     // null for the reference
};

// ref, then the x86 kernels compiled in.
const std::vector<LookupKernel>& LookupKernels();

void LookupInt8Vbmi(const Int8Table& table, int64_t begin, int64_t end, const int8_t* input, int8_t* output);

}  // namespace qforge::runtime
