// Max pooling compiled with AVX2 flags.
#include "runtime/kernels/pool.h"
#include "runtime/kernels/max_pool_loop.h"

namespace qforge::runtime {

void MaxPoolInt8Avx2(const ConvGeometry& g, int32_t act_min, int32_t act_max, const int8_t* input, int8_t* output,
                     int row_begin, int row_end) {
  kernels::MaxPoolRows(g, act_min, act_max, input, output, row_begin, row_end);
}

}  // namespace qforge::runtime
