// Optimized float -> int8 quantization (every ISA this CPU runs, and the baseline build of the
// same loop) equals ref::Quantize byte for byte: exact ties (k + 1/2) * scale on both sides of
// zero, values far outside the range, infinities, NaN, denormals, random values; split ranges.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "runtime/kernels/kernel_family.h"
#include "runtime/kernels/kernel_test_util.h"
#include "runtime/kernels/quantize.h"
#include "runtime/kernels/ref/elementwise_ref.h"

namespace qforge::runtime {
namespace {

TEST(QuantizeInt8, EveryIsaEqualsTheReference) {
  std::mt19937 rng(15);
  std::uniform_real_distribution<float> u(-3.0f, 3.0f);
  for (float scale : {0.0078125f, 0.0123f, 1.0f / 255.0f, 0.5f}) {
    for (int32_t zp : {-128, -5, 0, 17, 127}) {
      std::vector<float> x;
      for (int k = -300; k <= 300; ++k) x.push_back((static_cast<float>(k) + 0.5f) * scale);  // ties
      for (int i = 0; i < 1000; ++i) x.push_back(u(rng));
      for (float v : {0.0f, -0.0f, 1e30f, -1e30f, std::numeric_limits<float>::infinity(),
                      -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN(),
                      std::numeric_limits<float>::denorm_min(), 127.49f * scale, -128.5f * scale})
        x.push_back(v);
      const auto n = static_cast<int64_t>(x.size());
      std::vector<int8_t> want(n);
      ref::Quantize(scale, zp, n, x.data(), want.data());
      for (const QuantizeKernel* kernel : RunnableKernels(QuantizeKernels())) {
        std::vector<int8_t> got(n);
        kernel->run(scale, zp, 0, n / 3, x.data(), got.data());
        kernel->run(scale, zp, n / 3, n, x.data(), got.data());
        for (int64_t i = 0; i < n; ++i)
          ASSERT_EQ(got[i], want[i]) << kernel->name << " scale " << scale << " zp " << zp << " x " << x[i];
      }
    }
  }
}

}  // namespace
}  // namespace qforge::runtime
