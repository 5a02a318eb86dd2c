// The float kernels compiled with AVX2 + FMA flags (kernels/x86/float_kernels_isa.h).
#include "runtime/kernels/x86/float_vec_avx2.h"
#include "runtime/kernels/x86/float_kernels_isa.h"

namespace qforge::runtime {

QFORGE_DEFINE_FLOAT_KERNELS(Avx2, x86::FloatAvx2)

}  // namespace qforge::runtime
