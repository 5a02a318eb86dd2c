// Dispatch of the int8 peak measurement.
#include "runtime/kernels/peak.h"

#include <algorithm>

namespace qforge::runtime {

double MeasureInt8PeakGops(Isa isa, double seconds) {
#if defined(QFORGE_X86_KERNELS)
  if (isa >= Isa::kAvx512Vnni && SupportedIsa() >= Isa::kAvx512Vnni) {
    // A short probe sizes the run: 16 instructions per iteration, 128 operations each.
    const double probe = VnniPeakGopsAvx512(100'000);
    const auto iterations = static_cast<int64_t>(std::max(1e5, probe * 1e9 * seconds / (16 * 128)));
    return VnniPeakGopsAvx512(iterations);
  }
#endif
  (void)isa;
  (void)seconds;
  return 0.0;
}

}  // namespace qforge::runtime
