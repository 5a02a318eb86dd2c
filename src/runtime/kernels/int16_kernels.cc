// The 16x8 kernel family's table, packing, and the depthwise runner.
#include "runtime/kernels/int16_kernels.h"

namespace qforge::runtime {

const std::vector<Int16Kernels>& Int16KernelSets() {
  static const std::vector<Int16Kernels> family = {
      {Isa::kRef, "ref", 1, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr},
#if defined(QFORGE_X86_KERNELS)
      {Isa::kAvx512Vnni, "int16 avx512vnni", 32, Int16GemmAvx512Vnni, Int16DepthwiseAvx512Vnni, Int16AddAvx512,
       Int16MaxPoolAvx512, RequantizeAvx512<int8_t, int16_t>, RequantizeAvx512<int16_t, int8_t>,
       RequantizeAvx512<int16_t, int16_t>},
#endif
  };
  return family;
}

Int16GemmWeights PackInt16Gemm(const Int16Kernels& kernel, int n, int k, int runs, const int8_t* w,
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
  const int blocks = (n + 15) / 16;
  Int16RequantTables(n, blocks * 16, bias, q, &p.bias, &p.reduced, &p.round, &p.shift);
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

void Int16RequantTables(int n, int padded, const int64_t* bias, const Requantization& q, std::vector<int64_t>* bias_out,
                        std::vector<int64_t>* reduced, std::vector<int64_t>* round, std::vector<int64_t>* shift) {
  bias_out->assign(padded, 0);
  reduced->assign(padded, 0);
  round->assign(padded, 1);
  shift->assign(padded, 1);
  for (int c = 0; c < n; ++c) {
    (*bias_out)[c] = bias ? bias[c] : 0;
    // MultiplyByQuantizedMultiplier64 (runtime/quant_math.h), its constants per channel.
    const int32_t m = q.multiplier[c];
    (*reduced)[c] = m < 0x7FFF0000 ? (m + (1 << 15)) >> 16 : 0x7FFF;
    (*shift)[c] = 15 - q.shift[c];
    (*round)[c] = int64_t{1} << ((*shift)[c] - 1);
  }
}

Int16DepthwiseWeights PackInt16Depthwise(const ConvGeometry& g, const int8_t* filter, const int64_t* bias,
                                         const Requantization& q, int64_t padded_row_elements) {
  Int16DepthwiseWeights p;
  p.g = g;
  p.padded_c = (g.out_c + 15) / 16 * 16;
  p.output_zero_point = q.output_zero_point;
  p.act_min = q.act_min;
  p.act_max = q.act_max;
  Int16RequantTables(g.out_c, p.padded_c, bias, q, &p.bias, &p.reduced, &p.round, &p.shift);
  const int taps = g.kernel_h * g.kernel_w;
  p.w.assign(static_cast<size_t>(taps) * p.padded_c, 0);
  for (int t = 0; t < taps; ++t)
    for (int c = 0; c < g.out_c; ++c)  // the int16 weight in the low half, the high half zero
      p.w[static_cast<size_t>(t) * p.padded_c + c] = static_cast<uint16_t>(static_cast<int16_t>(filter[t * g.out_c + c]));
  for (int ky = 0; ky < g.kernel_h; ++ky)
    for (int kx = 0; kx < g.kernel_w; ++kx)
      p.tap_offsets.push_back(ky * g.dilation_h * padded_row_elements + static_cast<int64_t>(kx) * g.dilation_w * g.in_c);
  return p;
}

Int16Depthwise::Int16Depthwise(const ConvGeometry& g, const Int16Kernels& kernel, const int8_t* filter,
                               const int64_t* bias, const Requantization& q, ThreadPool* pool)
    : kernel_(&kernel), pool_(pool) {
  // + 16 elements: the last channels' vector load reads up to 15 past the row (masked, but kept
  // inside the scratch).
  bands_ = PaddedBands(g, pool, static_cast<int64_t>(g.out_w) * g.out_c * g.kernel_h * g.kernel_w, 32, sizeof(int16_t));
  weights_ = PackInt16Depthwise(g, filter, bias, q, bands_.row_bytes() / static_cast<int64_t>(sizeof(int16_t)));
  scratch_.assign(static_cast<size_t>(bands_.band_bytes() / sizeof(int16_t)) * (pool ? pool->size() : 1), 0);
}

void Int16Depthwise::Run(const int16_t* input, int16_t* output) {
  const ConvGeometry& g = weights_.g;
  const int64_t band = bands_.band_bytes() / static_cast<int64_t>(sizeof(int16_t));
  const int64_t row = bands_.row_bytes() / static_cast<int64_t>(sizeof(int16_t));
  RunTasks(pool_, bands_.tasks(), [&](int t, int worker) {
    int16_t* scratch = scratch_.data() + worker * band;
    int image = 0, first_row = 0, rows = 0;
    bands_.Fill(t, reinterpret_cast<const int8_t*>(input), 0, 0, PaddedBands::CopyUnchanged,
                reinterpret_cast<int8_t*>(scratch), &image, &first_row, &rows);
    kernel_->depthwise(weights_, scratch, row, rows,
                       output + (static_cast<int64_t>(image) * g.out_h + first_row) * g.out_w * g.out_c);
  });
}

}  // namespace qforge::runtime
