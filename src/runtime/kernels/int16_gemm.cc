// The 16x8 GEMM family's table and weight packing.
#include "runtime/kernels/int16_gemm.h"

namespace qforge::runtime {

const std::vector<Int16GemmKernel>& Int16GemmKernels() {
  static const std::vector<Int16GemmKernel> family = {
      {Isa::kRef, "ref", 1, nullptr},
#if defined(QFORGE_X86_KERNELS)
      {Isa::kAvx512Vnni, "gemm16 avx512vnni", 32, Int16GemmAvx512Vnni},
#endif
  };
  return family;
}

Int16GemmWeights PackInt16Gemm(const Int16GemmKernel& kernel, int n, int k, int runs, const int8_t* w,
                               const int64_t* bias, const Requantization& q) {
  Int16GemmWeights p;
  p.kernel = &kernel;
  p.n = n;
  p.k = k;
  p.runs = runs;
  const int run = k / runs;
  p.pairs = (run + 1) / 2;
  p.output_zero_point = q.output_zero_point;
  p.act_min = q.act_min;
  p.act_max = q.act_max;
  const int blocks = (n + 15) / 16, padded = blocks * 16;
  p.bias.assign(padded, 0);
  p.reduced.assign(padded, 0);
  p.round.assign(padded, 1);
  p.shift.assign(padded, 1);
  for (int c = 0; c < n; ++c) {
    p.bias[c] = bias ? bias[c] : 0;
    // MultiplyByQuantizedMultiplier64 (runtime/quant_math.h), its constants per column.
    const int32_t m = q.multiplier[c];
    p.reduced[c] = m < 0x7FFF0000 ? (m + (1 << 15)) >> 16 : 0x7FFF;
    p.shift[c] = 15 - q.shift[c];
    p.round[c] = int64_t{1} << (p.shift[c] - 1);
  }
  // [block][run][pair][16 columns][2]; zeros past n and after an odd run's last value.
  p.packed.assign(static_cast<size_t>(blocks) * runs * p.pairs * 32, 0);
  for (int c = 0; c < n; ++c)
    for (int s = 0; s < runs; ++s)
      for (int i = 0; i < run; ++i) {
        const size_t pair = (static_cast<size_t>(c / 16) * runs + s) * p.pairs + i / 2;
        p.packed[pair * 32 + (c % 16) * 2 + i % 2] = w[static_cast<int64_t>(c) * k + s * run + i];
      }
  return p;
}

}  // namespace qforge::runtime
