// The measured int8 (VNNI) peak of one core, in GOPS (one multiply-add = 2 operations).
#pragma once

#include <cstdint>

namespace qforge::bench {

double VnniPeakGops(int64_t iterations);

}  // namespace qforge::bench
