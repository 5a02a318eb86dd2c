// Fuzz target, differential: the direct PNG decoder (data/png_direct.h) against libpng, its
// reference twin. Whenever the direct path decodes a file, libpng must decode it to the same
// size and the same bytes; otherwise the target aborts (a finding). Chunk CRCs are fixed first.
#include <cstdio>
#include <cstdlib>

#include "data/image_decode.h"
#include "data/png_direct.h"
#include "fuzz/fuzz_util.h"
#include "fuzz/png_crcs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> png = qforge::fuzz::Bytes(data, size);
  qforge::fuzz::FixPngCrcs(png);
  const std::optional<qforge::DecodedImage> direct = qforge::DecodePngDirect(png);
  if (!direct) return 0;
  const auto reference = qforge::DecodePngWithLibpng(png, "fuzz.png");
  if (!reference.ok()) {
    std::fprintf(stderr, "direct PNG decoder took a file libpng refuses: %s\n", reference.status().message().c_str());
    std::abort();
  }
  if (reference->channels != direct->channels || reference->height != direct->height ||
      reference->width != direct->width || reference->chw != direct->chw) {
    std::fprintf(stderr, "direct PNG decoder and libpng differ\n");
    std::abort();
  }
  return 0;
}
