// Global average pooling (MEAN over H and W) on NHWC int8, pixel-major: the sums of a block of
// channels accumulate in vector lanes while the pixels stream by in memory order (the reference
// walks each channel with a stride of C), then the vector requantization (kernels/x86/
// requant_*.h, kernels/arm/vec_neon.h). Same sums and the same output stage, so byte-exact with ref::Mean, the family's
// reference entry (MeanKernels(), kernels/kernel_family.h). C++17.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/kernels/dispatch.h"
#include "runtime/kernels/ref/pool_ref.h"

namespace qforge::runtime {

// Images [batch_begin, batch_end) of [batch, h, w, c] -> [batch, c].
using MeanRun = void (*)(int batch_begin, int batch_end, int h, int w, int c, const MeanParams& p,
                         const int8_t* input, int8_t* output);

// One entry of the mean family's table.
struct MeanKernel {
  Isa isa;
  const char* name;  // as QFORGE_VERBOSE reports it
  MeanRun run;       // null for the reference
};

// ref, then the x86 or Arm kernels compiled in.
const std::vector<MeanKernel>& MeanKernels();

void MeanInt8Avx2(int batch_begin, int batch_end, int h, int w, int c, const MeanParams& p, const int8_t* input,
                  int8_t* output);
void MeanInt8Neon(int batch_begin, int batch_end, int h, int w, int c, const MeanParams& p, const int8_t* input,
                  int8_t* output);
void MeanInt8Avx512(int batch_begin, int batch_end, int h, int w, int c, const MeanParams& p, const int8_t* input,
                    int8_t* output);

}  // namespace qforge::runtime
