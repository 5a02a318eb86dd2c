// int8 Mul compiled with AVX-512 flags.
#include "runtime/kernels/mul.h"
#include "runtime/kernels/simd/mul_loop.h"
#include "runtime/kernels/x86/vec_avx512.h"

namespace qforge::runtime {

void MulInt8Avx512(const MulShape& s, const MulParams& p, const int8_t* input1, const int8_t* input2, int8_t* output) {
  simd::MulRange<x86::Avx512>(s, p, input1, input2, output);
}

}  // namespace qforge::runtime
