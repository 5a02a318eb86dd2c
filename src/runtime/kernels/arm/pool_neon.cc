// Max pooling with NEON: the 16-byte vector loop nest (kernels/max_pool_loop.h) becomes smax /
// smin on 16 lanes.
#include "runtime/kernels/max_pool_loop.h"
#include "runtime/kernels/pool.h"

namespace qforge::runtime {

void MaxPoolInt8Neon(const ConvGeometry& g, int32_t act_min, int32_t act_max, const int8_t* input, int8_t* output,
                     int row_begin, int row_end) {
  kernels::MaxPoolRows(g, act_min, act_max, input, output, row_begin, row_end);
}

}  // namespace qforge::runtime
