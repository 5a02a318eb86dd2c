// Fuzz target: an image file as `--data FOLDER` reads it — PNG (direct or libpng) or JPEG
// (libjpeg-turbo) decoded, then fitted to a 3 x 32 x 32 model input (resize + centre crop, gray
// replicated to RGB). PNG chunk CRCs are fixed first so mutations reach the image data.
#include "data/conform.h"
#include "data/image_decode.h"
#include "fuzz/fuzz_util.h"
#include "fuzz/png_crcs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes = qforge::fuzz::Bytes(data, size);
  if (size >= 8 && data[0] == 0x89 && data[1] == 'P') qforge::fuzz::FixPngCrcs(bytes);
  const auto image = qforge::DecodeImage(bytes, "fuzz.img");
  if (!image.ok()) return 0;
  const qforge::InputSpec spec{3, 32, 32, 36};
  std::vector<uint8_t> fitted(3 * 32 * 32);
  (void)qforge::FitPixels(image->chw.data(), image->channels, image->height, image->width, spec, "fuzz.img",
                          fitted.data());
  return 0;
}
