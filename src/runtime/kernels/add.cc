// Add dispatch and the avx512vnni table; the reference runs where no ISA kernel is compiled.
#include "runtime/kernels/add.h"

namespace qforge::runtime {

AddInt8Kernel::AddInt8Kernel(Isa isa, const AddParams& p) : isa_(isa), p_(p) {
#if defined(QFORGE_X86_KERNELS)
  if (isa == Isa::kAvx512Vnni) {
    // Every pair (a, b), a major: a = i / 256 - 128, b = i % 256 - 128.
    std::vector<int8_t> a(65536), b(65536);
    for (int i = 0; i < 65536; ++i) {
      a[i] = static_cast<int8_t>(i / 256 - 128);
      b[i] = static_cast<int8_t>(i % 256 - 128);
    }
    table_.assign(65536 + 3, 0);  // the gathers read 4 bytes at each entry
    ref::Add(p, 65536, a.data(), b.data(), table_.data());
  }
#endif
}

void AddInt8Kernel::Run(int64_t begin, int64_t end, const int8_t* input1, const int8_t* input2, int8_t* output) const {
  switch (isa_) {
#if defined(QFORGE_X86_KERNELS)
    case Isa::kAvx512Vnni: return AddInt8TableAvx512(table_.data(), begin, end, input1, input2, output);
    case Isa::kAvx2: return AddInt8Avx2(p_, begin, end, input1, input2, output);
#endif
    default: return ref::Add(p_, end - begin, input1 + begin, input2 + begin, output + begin);
  }
}

}  // namespace qforge::runtime
