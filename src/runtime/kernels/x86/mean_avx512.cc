// int8 global average pooling compiled with AVX-512 flags.
#include "runtime/kernels/mean.h"
#include "runtime/kernels/simd/mean_loop.h"
#include "runtime/kernels/x86/vec_avx512.h"

namespace qforge::runtime {

void MeanInt8Avx512(int batch_begin, int batch_end, int h, int w, int c, const MeanParams& p, const int8_t* input,
                    int8_t* output) {
  simd::MeanRange<x86::Avx512>(batch_begin, batch_end, h, w, c, p, input, output);
}

}  // namespace qforge::runtime
