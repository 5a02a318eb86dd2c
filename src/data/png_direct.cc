// Direct PNG decoding: chunk walk, one inflate, PNG's five row filters (PNG specification,
// section 9: None, Sub, Up, Average, Paeth).
#include "data/png_direct.h"

#include <zlib.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "data/png_chunks.h"

namespace qforge {
namespace {

// gAMA's value for sRGB's gamma (1/2.2 x 100000): samples are taken as they are.
constexpr uint32_t kSrgbGamma = 45455;
// libpng's default limits (PNG_USER_WIDTH_MAX, PNG_USER_HEIGHT_MAX, PNG_USER_CHUNK_MALLOC_MAX):
// files past them are libpng's to refuse.
constexpr int64_t kMaxSide = 1'000'000;
constexpr uint32_t kMaxAncillaryChunk = 8'000'000;

// A z_stream per thread, made once and reset for each image.
class Inflater {
 public:
  Inflater() { ok_ = inflateInit(&z_) == Z_OK; }
  ~Inflater() {
    if (ok_) inflateEnd(&z_);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  z_stream* Reset() { return ok_ && inflateReset(&z_) == Z_OK ? &z_ : nullptr; }

 private:
  z_stream z_{};
  bool ok_ = false;
};

uint8_t Paeth(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return static_cast<uint8_t>(a);
  return static_cast<uint8_t>(pb <= pc ? b : c);
}

// Undoes row filters in place: rows of 1 + stride bytes (the filter type, then the samples),
// `bpp` bytes per pixel. False for an unknown filter type.
bool Unfilter(uint8_t* raw, int64_t rows, int64_t stride, int64_t bpp) {
  const std::vector<uint8_t> zeros(static_cast<size_t>(stride), 0);  // the row above the first
  const uint8_t* up = zeros.data();
  for (int64_t y = 0; y < rows; ++y) {
    const uint8_t filter = raw[y * (stride + 1)];
    uint8_t* row = raw + y * (stride + 1) + 1;
    switch (filter) {
      case 0: break;
      case 1:
        for (int64_t i = bpp; i < stride; ++i) row[i] = static_cast<uint8_t>(row[i] + row[i - bpp]);
        break;
      case 2:
        for (int64_t i = 0; i < stride; ++i) row[i] = static_cast<uint8_t>(row[i] + up[i]);
        break;
      case 3:
        for (int64_t i = 0; i < stride; ++i) row[i] = static_cast<uint8_t>(row[i] + ((i >= bpp ? row[i - bpp] : 0) + up[i]) / 2);
        break;
      case 4:
        for (int64_t i = 0; i < stride; ++i)
          row[i] = static_cast<uint8_t>(row[i] + (i >= bpp ? Paeth(row[i - bpp], up[i], up[i - bpp]) : Paeth(0, up[i], 0)));
        break;
      default: return false;
    }
    up = row;
  }
  return true;
}

bool IsChunk(const uint8_t* type, const char* name) { return std::memcmp(type, name, 4) == 0; }

bool IsLetters(const uint8_t* type) {
  for (int i = 0; i < 4; ++i)
    if (!((type[i] >= 'A' && type[i] <= 'Z') || (type[i] >= 'a' && type[i] <= 'z'))) return false;
  return true;
}

}  // namespace

std::optional<DecodedImage> DecodePngDirect(const std::vector<uint8_t>& bytes) {
  static const uint8_t kSignature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kSignature, 8) != 0) return std::nullopt;
  thread_local Inflater inflater;
  z_stream* z = nullptr;
  DecodedImage image;
  std::vector<uint8_t> raw;  // the inflated rows, filter bytes included
  bool ended = false;        // the zlib stream ended (no more image data may follow)
  bool in_data = false;      // IDAT chunks began (they must follow one another until the end)
  for (size_t at = png::kFirstChunk; at + png::kChunkOverhead <= bytes.size();) {
    const uint32_t length = png::ReadBigEndian32(&bytes[at]);
    if (length > bytes.size() - at - png::kChunkOverhead) return std::nullopt;
    const uint8_t* type = &bytes[at + 4];
    const uint8_t* data = type + 4;
    if (png::ChunkCrc(&bytes[at], length) != png::ReadBigEndian32(data + length)) return std::nullopt;
    const bool first = at == png::kFirstChunk;
    at += png::kChunkOverhead + size_t{length};
    if (!IsLetters(type) || first != IsChunk(type, "IHDR")) return std::nullopt;  // IHDR first, and only there
    const bool idat = IsChunk(type, "IDAT");
    if (!idat && in_data && !ended) return std::nullopt;  // image data interrupted
    if (!idat && length > kMaxAncillaryChunk) return std::nullopt;
    if (first) {
      if (length != 13) return std::nullopt;
      const int64_t width = png::ReadBigEndian32(data), height = png::ReadBigEndian32(data + 4);
      const uint8_t depth = data[8], color = data[9], compression = data[10], filter = data[11], interlace = data[12];
      if (depth != 8 || (color != 0 && color != 2) || compression || filter || interlace) return std::nullopt;
      if (width < 1 || height < 1 || width > kMaxSide || height > kMaxSide || width * height > kMaxImagePixels)
        return std::nullopt;
      image.channels = color == 2 ? 3 : 1;
      image.height = height;
      image.width = width;
      raw.resize(static_cast<size_t>(height * (1 + width * image.channels)));
      if (!(z = inflater.Reset())) return std::nullopt;
      z->next_out = raw.data();
      z->avail_out = static_cast<uInt>(raw.size());
    } else if (idat) {
      if (ended) return std::nullopt;
      in_data = true;
      z->next_in = const_cast<Bytef*>(data);
      z->avail_in = length;
      const int rc = inflate(z, Z_NO_FLUSH);
      ended = rc == Z_STREAM_END;
      if ((rc != Z_OK && !ended) || z->avail_in != 0) return std::nullopt;
    } else if (IsChunk(type, "IEND")) {
      if (!ended || z->avail_out != 0 || at != bytes.size()) return std::nullopt;
      if (!Unfilter(raw.data(), image.height, image.width * image.channels, image.channels)) return std::nullopt;
      const int64_t plane = image.height * image.width, stride = 1 + image.width * image.channels;
      image.chw.resize(static_cast<size_t>(image.channels * plane));
      for (int64_t y = 0; y < image.height; ++y)
        Deinterleave(raw.data() + y * stride + 1, image.channels, image.width, plane, image.chw.data() + y * image.width);
      return image;
    } else if (!(type[0] & 0x20) || IsChunk(type, "tRNS") || IsChunk(type, "iCCP") || IsChunk(type, "sBIT") ||
               (IsChunk(type, "gAMA") && (length != 4 || png::ReadBigEndian32(data) != kSrgbGamma))) {
      // A palette or another critical chunk, or one that can change the samples libpng gives
      // (sRGB and cHRM cannot: 8-bit samples read as 8-bit sRGB of the same channels).
      return std::nullopt;
    }
  }
  return std::nullopt;  // no IEND
}

}  // namespace qforge
