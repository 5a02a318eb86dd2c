// int8 Add with NEON: TFLite's formula, 4 lanes at a time (kernels/simd/add_loop.h).
#include "runtime/kernels/add.h"
#include "runtime/kernels/arm/vec_neon.h"
#include "runtime/kernels/simd/add_loop.h"

namespace qforge::runtime {

void AddInt8Neon(const AddParams& p, const int8_t* /*no table*/, int64_t begin, int64_t end, const int8_t* input1,
                 const int8_t* input2, int8_t* output) {
  simd::AddRange<arm::Neon>(p, begin, end, input1, input2, output);
}

}  // namespace qforge::runtime
