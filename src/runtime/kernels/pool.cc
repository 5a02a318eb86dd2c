// Max-pooling dispatch; without x86 kernels the same loop runs compiled for the baseline.
#include "runtime/kernels/pool.h"

#include "runtime/kernels/max_pool_loop.h"

namespace qforge::runtime {

void MaxPoolInt8(Isa isa, const ConvGeometry& g, int32_t act_min, int32_t act_max, const int8_t* input,
                 int8_t* output, int row_begin, int row_end) {
  switch (isa) {
#if defined(QFORGE_X86_KERNELS)
    case Isa::kAvx512Vnni: return MaxPoolInt8Avx512(g, act_min, act_max, input, output, row_begin, row_end);
    case Isa::kAvx2: return MaxPoolInt8Avx2(g, act_min, act_max, input, output, row_begin, row_end);
#endif
    default: return kernels::MaxPoolRows(g, act_min, act_max, input, output, row_begin, row_end);
  }
}

}  // namespace qforge::runtime
