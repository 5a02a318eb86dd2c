// Dispatch of the peak measurements.
#include "runtime/kernels/peak.h"

#include <algorithm>

namespace qforge::runtime {
namespace {

// A short probe sizes the run: 16 instructions per iteration, `ops` operations each.
template <typename Measure>
double Measured(Measure measure, double ops, double seconds) {
  const double probe = measure(100'000);
  return measure(static_cast<int64_t>(std::max(1e5, probe * 1e9 * seconds / (16 * ops))));
}

}  // namespace

double MeasureInt8PeakGops(Isa isa, double seconds) {
#if defined(QFORGE_X86_KERNELS)
  if (isa >= Isa::kAvx512Vnni && SupportedIsa() >= Isa::kAvx512Vnni) {
    return Measured(VnniPeakGopsAvx512, 128, seconds);
  }
#endif
  (void)isa;
  (void)seconds;
  return 0.0;
}

double MeasureFloatPeakGflops(Isa isa, double seconds) {
#if defined(QFORGE_X86_KERNELS)
  if (isa >= Isa::kAvx512Vnni && SupportedIsa() >= Isa::kAvx512Vnni) return Measured(FmaPeakGflopsAvx512, 32, seconds);
#endif
  (void)isa;
  (void)seconds;
  return 0.0;
}

}  // namespace qforge::runtime
