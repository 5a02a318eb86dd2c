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
                                         const Requantization& q) {
  Int16DepthwiseWeights p;
  p.g = g;
  p.padded_c = (g.out_c + 15) / 16 * 16;
  p.output_zero_point = q.output_zero_point;
  p.act_min = q.act_min;
  p.act_max = q.act_max;
  Int16RequantTables(g.out_c, p.padded_c, bias, q, &p.bias, &p.reduced, &p.round, &p.shift);
  p.w = DepthwiseLowHalfWeights(g, filter, p.padded_c);
  p.tap_offsets = PaddedBands::TapOffsets(g);
  return p;
}

Int16Depthwise::Int16Depthwise(const ConvGeometry& g, const Int16Kernels& kernel, const int8_t* filter,
                               const int64_t* bias, const Requantization& q, ThreadPool* pool)
    : kernel_(&kernel), pool_(pool), weights_(PackInt16Depthwise(g, filter, bias, q)) {
  // No slack: the last channels' loads are masked, reading nothing past the band.
  bands_ = PaddedBands(g, pool, static_cast<int64_t>(g.out_w) * g.out_c * g.kernel_h * g.kernel_w, 0, sizeof(int16_t));
  scratch_.assign(static_cast<size_t>(bands_.band_elements()) * (pool ? pool->size() : 1), 0);
}

void Int16Depthwise::Run(const int16_t* input, int16_t* output) {
  const ConvGeometry& g = weights_.g;
  RunTasks(pool_, bands_.tasks(), [&](int t, int worker) {
    int16_t* scratch = scratch_.data() + worker * bands_.band_elements();
    int image = 0, first_row = 0, rows = 0;
    bands_.FillUnchanged(t, input, scratch, &image, &first_row, &rows);
    kernel_->depthwise(weights_, scratch, bands_.row_elements(), rows,
                       output + (static_cast<int64_t>(image) * g.out_h + first_row) * g.out_w * g.out_c);
  });
}

}  // namespace qforge::runtime
