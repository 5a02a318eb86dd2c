// Fuzz target: an .npz archive's bytes (ZIP directory, stored and deflated members, the NPY
// arrays inside).
#include "data/npz.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)qforge::ParseNpz(qforge::fuzz::Bytes(data, size), "fuzz.npz");
  return 0;
}
