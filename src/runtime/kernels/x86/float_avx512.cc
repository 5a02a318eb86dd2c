// The float kernels compiled with AVX-512 flags (kernels/x86/float_kernels_isa.h).
#include "runtime/kernels/x86/float_vec_avx512.h"
#include "runtime/kernels/x86/float_kernels_isa.h"

namespace qforge::runtime {

QFORGE_DEFINE_FLOAT_KERNELS(Avx512, x86::FloatAvx512)

}  // namespace qforge::runtime
