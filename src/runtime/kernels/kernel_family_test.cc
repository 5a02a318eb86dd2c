// The kernel family tables: each starts with its reference and climbs the ISAs, the best entry
// under a cap is the highest one allowed, and on a CPU that runs a family's lowest optimized ISA
// the family has kernels to run (so the byte-exactness tests beside each family compare
// something).
#include <gtest/gtest.h>

#include "runtime/kernels/add.h"
#include "runtime/kernels/depthwise.h"
#include "runtime/kernels/gemm.h"
#include "runtime/kernels/kernel_family.h"
#include "runtime/kernels/lookup.h"
#include "runtime/kernels/mean.h"
#include "runtime/kernels/mul.h"
#include "runtime/kernels/pool.h"
#include "runtime/kernels/quantize.h"
#include "runtime/kernels/sparse_gemm.h"
#include "runtime/kernels/shuffle.h"

namespace qforge::runtime {
namespace {

template <typename Kernel>
void CheckFamily(const std::vector<Kernel>& family) {
  ASSERT_FALSE(family.empty());
  EXPECT_TRUE(IsReference(family.front()));
  EXPECT_TRUE(family.front().run == nullptr);
  for (size_t i = 1; i < family.size(); ++i) {
    EXPECT_LT(family[i - 1].isa, family[i].isa) << family[i].name;
    EXPECT_TRUE(family[i].run != nullptr) << family[i].name;
  }
  EXPECT_EQ(&BestKernel(family, Isa::kRef), &family.front());
  for (const Kernel& kernel : family) EXPECT_EQ(&BestKernel(family, kernel.isa), &kernel) << kernel.name;
  EXPECT_EQ(&BestKernel(family, kHighestIsa), &family.back());
  if (family.size() > 1 && SupportedIsa() >= family[1].isa) {
    EXPECT_FALSE(RunnableKernels(family).empty());
  }
}

TEST(KernelFamily, GemmTable) { CheckFamily(GemmKernels()); }
TEST(KernelFamily, SubByteGemmTable) { CheckFamily(SubByteGemmKernels()); }
TEST(KernelFamily, SparseGemmTable) { CheckFamily(SparseGemmKernels()); }
TEST(KernelFamily, DepthwiseTable) { CheckFamily(DepthwiseKernels()); }
TEST(KernelFamily, MaxPoolTable) { CheckFamily(MaxPoolKernels()); }
TEST(KernelFamily, MeanTable) { CheckFamily(MeanKernels()); }
TEST(KernelFamily, AddTable) { CheckFamily(AddKernels()); }
TEST(KernelFamily, MulTable) { CheckFamily(MulKernels()); }
TEST(KernelFamily, LookupTable) { CheckFamily(LookupKernels()); }
TEST(KernelFamily, ShuffleTable) { CheckFamily(ShuffleKernels()); }
TEST(KernelFamily, QuantizeTable) { CheckFamily(QuantizeKernels()); }

// Only the segmented-convolution kernel reads activations + 128 (with the zero-point correction
// in the bias).
TEST(KernelFamily, GemmInputForms) {
  for (const GemmKernel& kernel : GemmKernels()) {
    EXPECT_EQ(kernel.takes_segments, kernel.input == GemmInput::kBiasedU8) << kernel.name;
    EXPECT_EQ(GemmInputFlip(kernel), kernel.input == GemmInput::kBiasedU8 ? 0x80 : 0x00) << kernel.name;
    EXPECT_EQ(GemmInputRowBytes(kernel, 5), kernel.input == GemmInput::kBiasedU8 ? 8 : 5) << kernel.name;
    // u8 input cannot subtract the zero point in the kernel: its correction is in the bias.
    if (kernel.input == GemmInput::kBiasedU8) {
      EXPECT_TRUE(kernel.zero_point_in_bias) << kernel.name;
    }
  }
}

}  // namespace
}  // namespace qforge::runtime
