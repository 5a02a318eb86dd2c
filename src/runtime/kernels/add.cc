// Add dispatch; the reference runs where no ISA kernel is compiled.
#include "runtime/kernels/add.h"

namespace qforge::runtime {

void AddInt8(Isa isa, const AddParams& p, int64_t begin, int64_t end, const int8_t* input1, const int8_t* input2,
             int8_t* output) {
  switch (isa) {
#if defined(QFORGE_X86_KERNELS)
    case Isa::kAvx512Vnni: return AddInt8Avx512(p, begin, end, input1, input2, output);
    case Isa::kAvx2: return AddInt8Avx2(p, begin, end, input1, input2, output);
#endif
    default: return ref::Add(p, end - begin, input1 + begin, input2 + begin, output + begin);
  }
}

}  // namespace qforge::runtime
