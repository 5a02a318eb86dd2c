// Fuzz target: an .npy file's bytes — the header parser alone (as streamed NPY shards read it)
// and the whole array, as raw array and as a float tensor.
#include "data/npy.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes = qforge::fuzz::Bytes(data, size);
  (void)qforge::ParseNpyHeader(data, size, size, "fuzz.npy");
  (void)qforge::ParseNpyArray(bytes, "fuzz.npy");
  (void)qforge::ParseNpy(bytes, "fuzz.npy");
  return 0;
}
