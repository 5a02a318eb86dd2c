// The int8 and float32 multiply-accumulate peaks of one core, measured on this CPU: the
// yardsticks that kernel speeds are stated against (fraction of peak). C++17.
#pragma once

#include <cstdint>

#include "runtime/kernels/dispatch.h"

namespace qforge::runtime {

// GOPS (one multiply-add = 2 operations) of the int8 instruction `isa`'s kernels are built on,
// measured now in about `seconds`; 0 where no peak is measured (ref, avx2, or the ISA not
// supported by this CPU).
double MeasureInt8PeakGops(Isa isa, double seconds = 0.05);

// GFLOPS (one fused multiply-add = 2 operations) of the float kernels of `isa`, measured the
// same way: 0 for ref, avx2, or an ISA this CPU does not support.
double MeasureFloatPeakGflops(Isa isa, double seconds = 0.05);

// The AVX-512 VNNI measurement (kernels/x86/vnni_peak_avx512.cc): `iterations` rounds of 16
// independent vpdpbusd.
double VnniPeakGopsAvx512(int64_t iterations);
// The AVX-512 float measurement (kernels/x86/fma_peak_avx512.cc): `iterations` rounds of 16
// independent vfmadd231ps.
double FmaPeakGflopsAvx512(int64_t iterations);

}  // namespace qforge::runtime
