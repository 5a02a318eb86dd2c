// Fuzz target: a checkpoint (.ckpt) file. The input's last 4 bytes are overwritten with the
// CRC-32 of the rest, so mutations reach the header and tensor parsing behind the checksum
// (a file with a wrong CRC is refused before anything else, and tests cover that).
#include <zlib.h>

#include <cstdlib>

#include "fuzz/fuzz_util.h"
#include "quant/fake_quant_op.h"
#include "train/checkpoint.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Quantization-aware checkpoints hold FakeQuant nodes, as `qforge` registers them.
  if (!qforge::quant::RegisterQuantOps().ok()) std::abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes = qforge::fuzz::Bytes(data, size);
  if (bytes.size() >= 4) {
    const uint32_t crc = static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), bytes.data(), static_cast<uInt>(bytes.size() - 4)));
    for (int i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
  }
  (void)qforge::ParseCheckpoint(bytes, "fuzz.ckpt");
  return 0;
}
