// Fuzz target: an IDX file (MNIST's format) as read from disk: gunzipped when it starts with
// the gzip magic, then parsed.
#include "data/file_bytes.h"
#include "data/idx.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A cap below the reader's 2 GiB keeps a gzip bomb within the fuzzer's memory limit.
  auto bytes = qforge::DecompressIfGzip(qforge::fuzz::Bytes(data, size), "fuzz.idx", uint64_t{64} << 20);
  if (bytes.ok()) (void)qforge::ParseIdx(*bytes, "fuzz.idx");
  return 0;
}
