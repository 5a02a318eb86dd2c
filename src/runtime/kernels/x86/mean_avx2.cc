// int8 global average pooling compiled with AVX2 flags.
#include "runtime/kernels/mean.h"
#include "runtime/kernels/simd/mean_loop.h"
#include "runtime/kernels/x86/vec_avx2.h"

namespace qforge::runtime {

void MeanInt8Avx2(int batch_begin, int batch_end, int h, int w, int c, const MeanParams& p, const int8_t* input,
                  int8_t* output) {
  simd::MeanRange<x86::Avx2>(batch_begin, batch_end, h, w, c, p, input, output);
}

}  // namespace qforge::runtime
