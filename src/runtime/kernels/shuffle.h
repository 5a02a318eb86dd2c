// Optimized CHANNEL_SHUFFLE of two groups on 1-byte elements (ShuffleNet V2's only shuffle),
// byte-exact with ref::GatherChannels, the family's reference entry (ShuffleKernels(),
// kernels/kernel_family.h):
//   avx2  per pixel, the two halves of the channels interleaved 16 bytes at a time (PUNPCKLBW
//         / PUNPCKHBW): output channel 2k is input k, 2k + 1 is input C / 2 + k.
// C++17.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/kernels/dispatch.h"

namespace qforge::runtime {

// `pixels` rows of `channels` (even) bytes.
using ShuffleRun = void (*)(int64_t pixels, int64_t channels, const uint8_t* input, uint8_t* output);

struct ShuffleKernel {
  Isa isa;
  const char* name;  // as QFORGE_VERBOSE and bench --profile report it
  ShuffleRun run;    // null for the reference
};

// ref, then the x86 kernels compiled in.
const std::vector<ShuffleKernel>& ShuffleKernels();

void ShuffleTwoGroupsAvx2(int64_t pixels, int64_t channels, const uint8_t* input, uint8_t* output);

}  // namespace qforge::runtime
