// Sum of a [N, C, spatial] tensor over N and spatial, per channel: the bias gradient of conv
// and dense layers.
#pragma once

#include <cstdint>

namespace qforge::ref {

void ChannelSum(const float* x, int64_t n, int64_t c, int64_t spatial, float* out);

}  // namespace qforge::ref
