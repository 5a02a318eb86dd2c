// Optimized int8 Add (TFLite's integer formula, kernels/ref/elementwise_ref.h): both inputs
// shifted left and rescaled, summed, rescaled to the output — 16 (AVX-512) or 8 (AVX2) lanes at
// a time with the vector fixed-point code; one loop nest (kernels/x86/add_loop.h) per ISA.
// Byte-exact with ref::Add. C++17.
#pragma once

#include <cstdint>

#include "runtime/kernels/dispatch.h"
#include "runtime/kernels/ref/elementwise_ref.h"

namespace qforge::runtime {

// Elements [begin, end).
void AddInt8(Isa isa, const AddParams& p, int64_t begin, int64_t end, const int8_t* input1, const int8_t* input2,
             int8_t* output);

void AddInt8Avx2(const AddParams& p, int64_t begin, int64_t end, const int8_t* input1, const int8_t* input2,
                 int8_t* output);
void AddInt8Avx512(const AddParams& p, int64_t begin, int64_t end, const int8_t* input1, const int8_t* input2,
                   int8_t* output);

}  // namespace qforge::runtime
