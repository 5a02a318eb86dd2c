// Where each row of a GEMM's left operand finds its k inputs: `count` equal runs of
// k / count elements, run s at s * stride elements from the row's start — a convolution
// without im2col, each kernel row's taps being one run of a padded copy of its input. Shared
// by the int8, int16 and float GEMM families. C++17.
#pragma once

#include <cstdint>

namespace qforge::runtime {

struct GemmSegments {
  int count = 1;
  int64_t stride = 0;
};

}  // namespace qforge::runtime
