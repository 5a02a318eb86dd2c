// Image decoding through libpng's png_image API and TurboJPEG: neither needs setjmp, both
// report errors as text.
#include "data/image_decode.h"

#include <png.h>
#include <turbojpeg.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <optional>

#include "data/png_chunks.h"
#include "data/png_direct.h"

namespace qforge {
namespace {

DecodedImage FromInterleaved(const uint8_t* hwc, int64_t channels, int64_t height, int64_t width) {
  DecodedImage image{channels, height, width, {}};
  image.chw.resize(static_cast<size_t>(channels * height * width));
  Deinterleave(hwc, channels, height * width, height * width, image.chw.data());
  return image;
}

Status CheckSize(int64_t height, int64_t width, const std::string& what) {
  if (height < 1 || width < 1 || height * width > kMaxImagePixels)
    return DataLoss("{}: image size {}x{} is empty or larger than {} pixels", what, height, width, kMaxImagePixels);
  return Status::Ok();
}

// libpng allocates a chunk's declared length before reading it (a 585-byte file declaring a
// 1.9 GB tEXt chunk made it allocate 1.9 GB; found by fuzz_image): every chunk up to IEND must
// fit in the file, checked before libpng sees it.
Status CheckPngChunkLengths(const std::vector<uint8_t>& bytes, const std::string& what) {
  size_t pos = png::kFirstChunk;
  while (pos + 8 <= bytes.size()) {
    const uint32_t length = png::ReadBigEndian32(&bytes[pos]);
    const std::string type(bytes.begin() + static_cast<std::ptrdiff_t>(pos + 4), bytes.begin() + static_cast<std::ptrdiff_t>(pos + 8));
    if (length > bytes.size() - pos - 8)
      return DataLoss("{}: corrupt PNG (chunk '{}' declares {} bytes, past the end of the {}-byte file)", what,
                      std::all_of(type.begin(), type.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }) ? type : "?",
                      length, bytes.size());
    if (type == "IEND") break;
    pos += size_t{length} + png::kChunkOverhead;
  }
  return Status::Ok();  // a file cut between chunks is libpng's to report
}

}  // namespace

StatusOr<DecodedImage> DecodePngWithLibpng(const std::vector<uint8_t>& bytes, const std::string& what) {
  QF_RETURN_IF_ERROR(CheckPngChunkLengths(bytes, what));
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&png, bytes.data(), bytes.size()))
    return DataLoss("{}: not a readable PNG ({})", what, png.message);
  struct Free {
    png_image* p;
    ~Free() { png_image_free(p); }
  } free_on_exit{&png};
  QF_RETURN_IF_ERROR(CheckSize(png.height, png.width, what));
  const int64_t channels = (png.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1;
  png.format = channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  std::vector<uint8_t> hwc(PNG_IMAGE_SIZE(png));
  if (!png_image_finish_read(&png, /*background=*/nullptr, hwc.data(), /*row_stride=*/0, /*colormap=*/nullptr))
    return DataLoss("{}: corrupt PNG ({})", what, png.message);
  return FromInterleaved(hwc.data(), channels, png.height, png.width);
}

namespace {

StatusOr<DecodedImage> DecodeJpeg(const std::vector<uint8_t>& bytes, const std::string& what) {
  std::unique_ptr<void, int (*)(tjhandle)> handle(tjInitDecompress(), tjDestroy);
  if (!handle) return InternalError("cannot start the JPEG decoder: {}", tjGetErrorStr2(nullptr));
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  auto* data = const_cast<unsigned char*>(bytes.data());
  const auto size = static_cast<unsigned long>(bytes.size());
  if (tjDecompressHeader3(handle.get(), data, size, &width, &height, &subsampling, &colorspace) != 0)
    return DataLoss("{}: not a readable JPEG ({})", what, tjGetErrorStr2(handle.get()));
  QF_RETURN_IF_ERROR(CheckSize(height, width, what));
  if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK)
    return DataLoss("{}: CMYK JPEG images are not supported (convert them to RGB)", what);
  const int64_t channels = colorspace == TJCS_GRAY ? 1 : 3;
  std::vector<uint8_t> hwc(static_cast<size_t>(channels * height * width));
  if (tjDecompress2(handle.get(), data, size, hwc.data(), width, 0, height, channels == 1 ? TJPF_GRAY : TJPF_RGB,
                    TJFLAG_STOPONWARNING) != 0)
    return DataLoss("{}: corrupt JPEG ({})", what, tjGetErrorStr2(handle.get()));
  return FromInterleaved(hwc.data(), channels, height, width);
}

}  // namespace

void Deinterleave(const uint8_t* hwc, int64_t channels, int64_t count, int64_t plane, uint8_t* chw) {
  for (int64_t p = 0; p < count; ++p)
    for (int64_t c = 0; c < channels; ++c) chw[c * plane + p] = hwc[p * channels + c];
}

bool IsImagePath(const std::string& path) {
  std::string lower = path;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.ends_with(".png") || lower.ends_with(".jpg") || lower.ends_with(".jpeg");
}

StatusOr<DecodedImage> DecodeImage(const std::vector<uint8_t>& bytes, const std::string& what) {
  static const uint8_t kPng[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (bytes.size() >= sizeof kPng && std::equal(kPng, kPng + sizeof kPng, bytes.begin())) {
    if (std::optional<DecodedImage> direct = DecodePngDirect(bytes)) return std::move(*direct);
    return DecodePngWithLibpng(bytes, what);
  }
  if (bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) return DecodeJpeg(bytes, what);
  return DataLoss("{}: neither a PNG nor a JPEG file", what);
}

}  // namespace qforge
