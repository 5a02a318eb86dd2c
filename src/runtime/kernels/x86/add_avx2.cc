// int8 Add compiled with AVX2 flags.
#include "runtime/kernels/add.h"
#include "runtime/kernels/simd/add_loop.h"
#include "runtime/kernels/x86/vec_avx2.h"

namespace qforge::runtime {

void AddInt8Avx2(const AddParams& p, const int8_t* /*no table*/, int64_t begin, int64_t end, const int8_t* input1,
                 const int8_t* input2, int8_t* output) {
  simd::AddRange<x86::Avx2>(p, begin, end, input1, input2, output);
}

}  // namespace qforge::runtime
