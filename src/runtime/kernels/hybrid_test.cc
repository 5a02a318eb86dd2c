// The optimized dynamic-range layers equal the reference (kernels/ref/hybrid_ref.h) float for
// float under every ISA this CPU runs: convolutions (1x1 direct, padded runs, im2col), dense
// layers and depthwise convolutions on random shapes, one thread and three, samples of
// different ranges (one all zero, one with a NaN).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "runtime/kernels/hybrid.h"
#include "runtime/kernels/kernel_family.h"
#include "runtime/kernels/kernel_test_util.h"
#include "runtime/kernels/ref/hybrid_ref.h"

namespace qforge::runtime {
namespace {

// The ISAs this CPU runs with a float kernel set of their own (dynamic-range layers need one).
std::vector<Isa> OptimizedIsas() {
  std::vector<Isa> out;
  for (Isa isa : ArchitectureIsas())
    if (isa != Isa::kRef && isa <= SupportedIsa() && BestKernel(FloatKernelSets(), isa).isa == isa) out.push_back(isa);
  return out;
}

// [batch][sample] floats, each sample with its own range; sample 1 all zero, a NaN in sample 0.
std::vector<float> Samples(int batch, int64_t sample, std::mt19937& rng) {
  std::vector<float> x(static_cast<size_t>(batch * sample));
  for (int b = 0; b < batch; ++b) {
    std::uniform_real_distribution<float> value(-0.5f * (b + 1), 2.0f + b);
    for (int64_t i = 0; i < sample; ++i) x[b * sample + i] = b == 1 ? 0.0f : value(rng);
  }
  if (sample > 2) x[sample / 2] = std::nanf("");
  return x;
}

struct Weights {
  std::vector<int8_t> filter;
  std::vector<float> scale, bias;
  Weights(int64_t count, int channels, std::mt19937& rng) : filter(testing::RandomWeights(count, rng)) {
    std::uniform_real_distribution<float> s(1e-3f, 1e-2f), b(-1.0f, 1.0f);
    for (int c = 0; c < channels; ++c) scale.push_back(s(rng)), bias.push_back(b(rng));
  }
  ref::HybridWeights Ref(bool with_bias) const { return {filter.data(), scale.data(), with_bias ? bias.data() : nullptr}; }
};

ref::FloatActivation Activation(int n) {
  ref::FloatActivation act;
  if (n % 3 > 0) act.min = 0.0f;
  if (n % 3 == 2) act.max = 1.0f;
  return act;
}

// Bitwise equality (NaN == NaN).
void ExpectSameFloats(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_EQ(std::memcmp(&got[i], &want[i], sizeof(float)), 0) << what << " at " << i << ": " << got[i] << " vs " << want[i];
}

void CheckLayer(HybridLayer::Kind kind, const ConvGeometry& g, int n, std::mt19937& rng, ThreadPool* three) {
  const bool depthwise = kind == HybridLayer::Kind::kDepthwise;
  const int64_t sample = static_cast<int64_t>(g.in_h) * g.in_w * g.in_c;
  const std::vector<float> x = Samples(g.batch, sample, rng);
  const Weights w(static_cast<int64_t>(g.kernel_h) * g.kernel_w * (depthwise ? 1 : g.in_c) * g.out_c, g.out_c, rng);
  const bool with_bias = n % 4 != 0;
  const ref::FloatActivation act = Activation(n);
  std::vector<float> want(static_cast<size_t>(g.batch) * g.out_h * g.out_w * g.out_c);
  std::vector<int8_t> scratch(static_cast<size_t>(sample));
  if (depthwise) {
    ref::DepthwiseConv2D(g, act, x.data(), w.Ref(with_bias), scratch.data(), want.data());
  } else {
    ref::Conv2D(g, act, x.data(), w.Ref(with_bias), scratch.data(), want.data());
  }
  for (Isa isa : OptimizedIsas()) {
    if (!HybridLayer::Supported(kind, g, isa)) continue;
    for (ThreadPool* pool : {static_cast<ThreadPool*>(nullptr), three}) {
      HybridLayer layer(kind, g, isa, w.filter.data(), w.scale.data(), with_bias ? w.bias.data() : nullptr, act, pool);
      std::vector<float> got(want.size());
      layer.Run(x.data(), got.data());
      ExpectSameFloats(got, want,
                       std::string(IsaName(isa)) + " " + layer.name() + (pool ? " 3 threads " : " 1 thread ") +
                           testing::Describe(g));
    }
  }
}

TEST(HybridLayer, ConvolutionsEqualTheReference) {
  if (OptimizedIsas().empty()) GTEST_SKIP() << "no optimized float kernels on this CPU (x86 only)";
  std::mt19937 rng(31);
  ThreadPool three(3);
  three.set_min_task_work(1);
  std::vector<ConvGeometry> geometries = testing::SweepGeometries({1, 3, 8, 17}, {1, 5, 16, 33}, false);
  for (int in : {1, 7, 64, 300}) {  // dense layers: 1x1 over [batch, 1, 1, in]
    ConvGeometry dense;
    dense.batch = 3;
    dense.in_c = in;
    dense.out_c = 1 + in % 37;
    geometries.push_back(dense);
  }
  for (size_t n = 0; n < geometries.size(); ++n) CheckLayer(HybridLayer::Kind::kConv, geometries[n], static_cast<int>(n), rng, &three);
}

// Exact integer float sums up to 514 taps of 255 x 128 (< 2^24); 515 go to the reference.
TEST(HybridLayer, DepthwiseAtTheExactnessBound) {
  if (OptimizedIsas().empty()) GTEST_SKIP() << "no optimized float kernels on this CPU (x86 only)";
  ConvGeometry g;
  g.in_w = g.kernel_w = 514;
  const Isa isa = OptimizedIsas().back();
  ASSERT_TRUE(HybridLayer::Supported(HybridLayer::Kind::kDepthwise, g, isa));
  // One positive value everywhere: the sample's grid is [0, v], zero point -128, q - zp = 255.
  const std::vector<float> x(514, 3.0f);
  std::vector<int8_t> filter(514, -128);
  filter.back() = -127;  // an odd sum above 2^23
  const std::vector<float> scale{1e-3f};
  std::vector<int8_t> scratch(514);
  float want = 0.0f, got = 0.0f;
  ref::DepthwiseConv2D(g, {}, x.data(), {filter.data(), scale.data(), nullptr}, scratch.data(), &want);
  HybridLayer(HybridLayer::Kind::kDepthwise, g, isa, filter.data(), scale.data(), nullptr, {}, nullptr)
      .Run(x.data(), &got);
  EXPECT_EQ(got, want);
  g.in_w = g.kernel_w = 515;
  EXPECT_FALSE(HybridLayer::Supported(HybridLayer::Kind::kDepthwise, g, isa));
}

TEST(HybridLayer, DepthwiseEqualsTheReference) {
  if (OptimizedIsas().empty()) GTEST_SKIP() << "no optimized float kernels on this CPU (x86 only)";
  std::mt19937 rng(32);
  ThreadPool three(3);
  three.set_min_task_work(1);
  const std::vector<ConvGeometry> geometries = testing::SweepGeometries({1, 8, 17, 33, 64}, {}, true);
  for (size_t n = 0; n < geometries.size(); ++n)
    CheckLayer(HybridLayer::Kind::kDepthwise, geometries[n], static_cast<int>(n), rng, &three);
}

}  // namespace
}  // namespace qforge::runtime
