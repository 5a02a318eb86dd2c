// The add family's table and the (a, b) table of the kernels that read one.
#include "runtime/kernels/add.h"

namespace qforge::runtime {

const std::vector<AddKernel>& AddKernels() {
  static const std::vector<AddKernel> family = {
      {Isa::kRef, "ref", false, nullptr},
#if defined(QFORGE_X86_KERNELS)
      {Isa::kAvx2, "add avx2", false, AddInt8Avx2},
      {Isa::kAvx512Vnni, "add table avx512vnni", true, AddInt8TableAvx512},
#endif
#if defined(QFORGE_ARM_KERNELS)
      {Isa::kNeon, "add neon", false, AddInt8Neon},
#endif
  };
  return family;
}

AddInt8Kernel::AddInt8Kernel(const AddKernel& kernel, const AddParams& p) : kernel_(kernel), p_(p) {
  if (!kernel.reads_table) return;
  // Every pair (a, b), a major: a = i / 256 - 128, b = i % 256 - 128.
  std::vector<int8_t> a(65536), b(65536);
  for (int i = 0; i < 65536; ++i) {
    a[i] = static_cast<int8_t>(i / 256 - 128);
    b[i] = static_cast<int8_t>(i % 256 - 128);
  }
  table_.assign(65536 + 3, 0);  // the gathers read 4 bytes at each entry
  ref::Add(p, 65536, a.data(), b.data(), table_.data());
}

void AddInt8Kernel::Run(int64_t begin, int64_t end, const int8_t* input1, const int8_t* input2, int8_t* output) const {
  kernel_.run(p_, table_.empty() ? nullptr : table_.data(), begin, end, input1, input2, output);
}

}  // namespace qforge::runtime
