// The int8 multiply-accumulate peak of one core, measured on this CPU: the yardstick that
// kernel speeds are stated against (fraction of peak). C++17.
#pragma once

#include <cstdint>

#include "runtime/kernels/dispatch.h"

namespace qforge::runtime {

// GOPS (one multiply-add = 2 operations) of the int8 instruction `isa`'s kernels are built on,
// measured now in about `seconds`; 0 where no peak is measured (ref, avx2, or the ISA not
// supported by this CPU).
double MeasureInt8PeakGops(Isa isa, double seconds = 0.05);

// The AVX-512 VNNI measurement (kernels/x86/vnni_peak_avx512.cc): `iterations` rounds of 16
// independent vpdpbusd.
double VnniPeakGopsAvx512(int64_t iterations);

}  // namespace qforge::runtime
