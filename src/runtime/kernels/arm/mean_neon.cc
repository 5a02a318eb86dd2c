// int8 global average pooling with NEON (kernels/simd/mean_loop.h).
#include "runtime/kernels/arm/vec_neon.h"
#include "runtime/kernels/mean.h"
#include "runtime/kernels/simd/mean_loop.h"

namespace qforge::runtime {

void MeanInt8Neon(int batch_begin, int batch_end, int h, int w, int c, const MeanParams& p, const int8_t* input,
                  int8_t* output) {
  simd::MeanRange<arm::Neon>(batch_begin, batch_end, h, w, c, p, input, output);
}

}  // namespace qforge::runtime
