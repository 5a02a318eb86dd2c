// Dynamic-range ("hybrid") layers on the optimized kernels — float activations, int8 weights,
// equal to kernels/ref/hybrid_ref.h float for float. Each sample's grid comes from its min/max
// (the float family's vector min/max), the sample is quantized by the int8 Quantize kernel, and:
//   convolutions and dense layers (a dense layer is a 1x1 convolution over [batch, 1, 1, in])
//     run on the int8 GEMM family (VNNI where the CPU has it) with int32 output, written into
//     the float output tensor's memory and turned into floats in place: the accumulator is
//     corrected for the sample's zero point ((zero point + the kernel's input offset) times the
//     column's weight sum — exact in int32) and scaled as the reference does;
//   depthwise convolutions (depth multiplier 1) run the float depthwise kernel on q - zero point
//     as floats: every product and partial sum is an integer below 2^24 (taps * 128 * 255), so
//     the float sums equal the reference's int32 ones exactly.
// Not reentrant (per-layer scratch). C++17.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/kernels/conv_gemm.h"
#include "runtime/kernels/float_conv.h"
#include "runtime/kernels/float_kernels.h"
#include "runtime/kernels/quantize.h"
#include "runtime/thread_pool.h"

namespace qforge::runtime {

class HybridLayer {
 public:
  enum class Kind { kConv, kDepthwise };
  // Whether the optimized kernels under `isa` run this layer (else: the reference).
  static bool Supported(Kind kind, const ConvGeometry& g, Isa isa);
  // filter OHWI (conv) or [kh][kw][c] (depthwise), int8 with one scale per output channel;
  // bias [out_c] or null.
  HybridLayer(Kind kind, const ConvGeometry& g, Isa isa, const int8_t* filter, const float* filter_scale,
              const float* bias, ref::FloatActivation act, ThreadPool* pool);
  void Run(const float* input, float* output);
  std::string name() const;

 private:
  // Quantizes sample b (its grid into scale_[b], zero_point_[b]).
  void QuantizeSample(const float* input, int b);
  // In place: sample b's accumulators (int32, or exact floats) -> outputs.
  void Finish(int b, float* output) const;

  Kind kind_;
  ConvGeometry g_;
  ThreadPool* pool_;
  const FloatKernels* floats_;
  const QuantizeKernel* quantize_;
  int32_t input_offset_ = 0;  // the GEMM kernel's: 128 (u8 form) or 0
  ref::FloatActivation act_;
  std::vector<float> filter_scale_, bias_;
  std::vector<int32_t> weight_sums_;  // conv: per output channel
  std::unique_ptr<ConvGemm> conv_;
  std::unique_ptr<FloatDepthwise> depthwise_;
  std::vector<int8_t> quantized_;  // [batch][sample]
  std::vector<float> centered_;    // depthwise: q - zero point, [batch][sample]
  std::vector<float> scale_;
  std::vector<int32_t> zero_point_;
  std::vector<int32_t> correction_;  // conv: [batch][out_c], (zero point + input offset) * weight sum
};

}  // namespace qforge::runtime
