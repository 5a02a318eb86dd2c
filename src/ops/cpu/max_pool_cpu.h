// Fast max pooling on NCHW buffers: OpenMP over planes. The forward records each window's
// first maximal tap (the reference's tie rule), so both passes equal the reference exactly.
#pragma once

#include <cstdint>

#include "ops/ref/pool_ref.h"

namespace qforge::cpu {

// argmax (may be null) receives, per output, the winning tap's offset within its plane.
void MaxPoolForward(const ref::PoolShape& s, const float* x, float* y, int32_t* argmax);
void MaxPoolBackward(const ref::PoolShape& s, const int32_t* argmax, const float* dy, float* dx);

}  // namespace qforge::cpu
