// Dynamic-range layers: per-sample quantization, the int8 GEMM or float depthwise kernels, and
// the reference's epilogue in place.
#include "runtime/kernels/hybrid.h"

#include "runtime/kernels/kernel_family.h"
#include "runtime/kernels/ref/elementwise_ref.h"
#include "runtime/kernels/ref/hybrid_ref.h"
#include "runtime/wrapping_math.h"

namespace qforge::runtime {

bool HybridLayer::Supported(Kind kind, const ConvGeometry& g, Isa isa) {
  if (IsReference(BestKernel(FloatKernelSets(), isa)) || IsReference(BestKernel(QuantizeKernels(), isa))) return false;
  if (kind == Kind::kConv) return !IsReference(BestKernel(GemmKernels(), isa));
  // Depthwise sums in floats are exact below 2^24: taps x |q - zero point| (<= 255) x |w| (<= 128).
  return g.out_c == g.in_c && static_cast<int64_t>(g.kernel_h) * g.kernel_w * 128 * 255 < (int64_t{1} << 24);
}

HybridLayer::HybridLayer(Kind kind, const ConvGeometry& g, Isa isa, const int8_t* filter, const float* filter_scale,
                         const float* bias, ref::FloatActivation act, ThreadPool* pool)
    : kind_(kind), g_(g), pool_(pool), floats_(&BestKernel(FloatKernelSets(), isa)),
      quantize_(&BestKernel(QuantizeKernels(), isa)), act_(act), filter_scale_(filter_scale, filter_scale + g.out_c) {
  if (bias) bias_.assign(bias, bias + g.out_c);
  const int64_t sample = static_cast<int64_t>(g.in_h) * g.in_w * g.in_c;
  quantized_.resize(static_cast<size_t>(g.batch * sample));
  scale_.resize(g.batch);
  zero_point_.resize(g.batch);
  if (kind == Kind::kConv) {
    const GemmKernel& gemm = BestKernel(GemmKernels(), isa);
    input_offset_ = GemmInputOffset(gemm);
    const int k = g.kernel_h * g.kernel_w * g.in_c;
    for (int oc = 0; oc < g.out_c; ++oc) {
      int32_t sum = 0;
      for (int i = 0; i < k; ++i) sum = WrappingAdd(sum, int32_t{filter[static_cast<int64_t>(oc) * k + i]});
      weight_sums_.push_back(sum);
    }
    correction_.resize(static_cast<size_t>(g.batch) * g.out_c);
    conv_ = std::make_unique<ConvGemm>(g, gemm, filter, pool);
    return;
  }
  const int64_t weights = static_cast<int64_t>(g.kernel_h) * g.kernel_w * g.out_c;
  const std::vector<float> widened(filter, filter + weights);
  depthwise_ = std::make_unique<FloatDepthwise>(g, *floats_, widened.data(), nullptr, ref::FloatActivation{}, pool);
  centered_.resize(quantized_.size());
}

std::string HybridLayer::name() const {
  if (kind_ == Kind::kDepthwise) return std::string("dynamic ") + floats_->name + " depthwise";
  return std::string("dynamic ") + (conv_->direct() ? "1x1 direct" : conv_->segmented() ? "padded runs" : "im2col");
}

void HybridLayer::QuantizeSample(const float* input, int b) {
  const int64_t size = static_cast<int64_t>(g_.in_h) * g_.in_w * g_.in_c;
  const float* x = input + b * size;
  float lo = 0.0f, hi = 0.0f;
  floats_->min_max(size, x, &lo, &hi);
  const ref::SampleQuantization sq = ref::SampleQuantizationOf(lo, hi);
  scale_[b] = sq.scale;
  zero_point_[b] = sq.zero_point;
  int8_t* q = quantized_.data() + b * size;
  quantize_->run(sq.scale, sq.zero_point, 0, size, x, q);
  for (size_t oc = 0; oc < weight_sums_.size(); ++oc)
    correction_[b * weight_sums_.size() + oc] = WrappingMul(sq.zero_point + input_offset_, weight_sums_[oc]);
  if (kind_ == Kind::kDepthwise) {
    float* centered = centered_.data() + b * size;
    for (int64_t i = 0; i < size; ++i) centered[i] = static_cast<float>(q[i] - sq.zero_point);
  }
}

void HybridLayer::Finish(int b, float* output) const {
  const int64_t pixels = static_cast<int64_t>(g_.out_h) * g_.out_w;
  const int32_t* correction = kind_ == Kind::kConv ? correction_.data() + static_cast<int64_t>(b) * g_.out_c : nullptr;
  floats_->hybrid_finish(pixels, g_.out_c, correction, scale_[b], filter_scale_.data(),
                         bias_.empty() ? nullptr : bias_.data(), act_, output + b * pixels * g_.out_c);
}

void HybridLayer::Run(const float* input, float* output) {
  RunTasks(pool_, g_.batch, [&](int b, int) { QuantizeSample(input, b); });
  if (kind_ == Kind::kConv) {
    conv_->Run(quantized_.data(), reinterpret_cast<int8_t*>(output), zero_point_.data());
    RunTasks(pool_, g_.batch, [&](int b, int) { Finish(b, output); });
    return;
  }
  depthwise_->Run(centered_.data(), output);
  RunTasks(pool_, g_.batch, [&](int b, int) { Finish(b, output); });
}

}  // namespace qforge::runtime
