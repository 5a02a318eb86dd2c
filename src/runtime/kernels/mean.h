// Global average pooling (MEAN over H and W) on NHWC int8, pixel-major: the sums of a chunk of
// channels accumulate while the pixels stream by in memory order (the reference walks each
// channel with a stride of C). Same sums and the same fixed-point rescale, so byte-exact with
// ref::Mean. C++17.
#pragma once

#include <cstdint>

#include "runtime/kernels/ref/pool_ref.h"

namespace qforge::runtime {

// Images [batch_begin, batch_end) of [batch, h, w, c] -> [batch, c].
void MeanInt8(int batch_begin, int batch_end, int h, int w, int c, const MeanParams& p, const int8_t* input,
              int8_t* output);

}  // namespace qforge::runtime
