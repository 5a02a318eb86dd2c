// int8 Mul with NEON (kernels/simd/mul_loop.h).
#include "runtime/kernels/arm/vec_neon.h"
#include "runtime/kernels/mul.h"
#include "runtime/kernels/simd/mul_loop.h"

namespace qforge::runtime {

void MulInt8Neon(const MulShape& s, const MulParams& p, const int8_t* input1, const int8_t* input2, int8_t* output) {
  simd::MulRange<arm::Neon>(s, p, input1, input2, output);
}

}  // namespace qforge::runtime
