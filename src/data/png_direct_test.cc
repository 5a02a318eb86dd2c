// The direct PNG path against libpng, its reference: the same bytes for every file it takes
// (gray and RGB, each row filter, image data split over many chunks, ancillary chunks), nothing
// for the files it must leave to libpng (palette, alpha, 16-bit, gamma, interlaced, sizes past
// libpng's limits or overflowing, interrupted image data, bad chunk types), and never a result
// where libpng fails or decodes differently, on damaged files (CRC-valid damage too).
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "data/image_decode.h"
#include "data/png_chunks.h"
#include "data/png_direct.h"
#include "data/test_images.h"

namespace qforge {
namespace {

void Put32(std::vector<uint8_t>* out, uint32_t v) {
  out->resize(out->size() + 4);
  png::WriteBigEndian32(v, out->data() + out->size() - 4);
}

void Chunk(std::vector<uint8_t>* png, const std::string& type, const std::vector<uint8_t>& data) {
  const size_t start = png->size();
  Put32(png, static_cast<uint32_t>(data.size()));
  png->insert(png->end(), type.begin(), type.end());
  png->insert(png->end(), data.begin(), data.end());
  Put32(png, 0);
  png::FixChunkCrc(*png, start);
}

int Predict(int filter, int a, int b, int c) {
  switch (filter) {
    case 1: return a;
    case 2: return b;
    case 3: return (a + b) / 2;
    case 4: {
      const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
    default: return 0;
  }
}

struct PngSpec {
  int color = 0;  // PNG colour type: 0 gray, 2 RGB
  int depth = 8, interlace = 0;
  std::vector<int> filters{0};  // row y uses filters[y % size]
  size_t idat_bytes = 1 << 20;  // image data split into chunks of at most this many bytes
  std::vector<std::pair<std::string, std::vector<uint8_t>>> before_data{};  // extra chunks
};

// A file of these chunks (CRCs computed), after the signature.
std::vector<uint8_t> Chunks(const std::vector<std::pair<std::string, std::vector<uint8_t>>>& chunks) {
  std::vector<uint8_t> png{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  for (const auto& [type, data] : chunks) Chunk(&png, type, data);
  return png;
}

std::vector<uint8_t> Ihdr(uint32_t w, uint32_t h, uint8_t color) {
  std::vector<uint8_t> ihdr;
  Put32(&ihdr, w);
  Put32(&ihdr, h);
  ihdr.insert(ihdr.end(), {8, color, 0, 0, 0});
  return ihdr;
}

std::vector<uint8_t> Deflate(const std::vector<uint8_t>& raw) {
  std::vector<uint8_t> packed(compressBound(raw.size()));
  uLongf size = packed.size();
  EXPECT_EQ(compress(packed.data(), &size, raw.data(), raw.size()), Z_OK);
  packed.resize(size);
  return packed;
}

// A PNG written here, filter by filter (libpng's writer picks its own filters).
std::vector<uint8_t> Encode(int h, int w, const std::vector<uint8_t>& hwc, const PngSpec& spec) {
  const int bpp = spec.color == 2 ? 3 : 1, stride = w * bpp;
  std::vector<uint8_t> rows;
  for (int y = 0; y < h; ++y) {
    const int filter = spec.filters[y % spec.filters.size()];
    rows.push_back(static_cast<uint8_t>(filter));
    for (int i = 0; i < stride; ++i) {
      const int a = i >= bpp ? hwc[y * stride + i - bpp] : 0, b = y ? hwc[(y - 1) * stride + i] : 0;
      const int c = y && i >= bpp ? hwc[(y - 1) * stride + i - bpp] : 0;
      rows.push_back(static_cast<uint8_t>(hwc[y * stride + i] - Predict(filter, a, b, c)));
    }
  }
  const std::vector<uint8_t> packed = Deflate(rows);
  std::vector<uint8_t> png{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, ihdr;
  Put32(&ihdr, w);
  Put32(&ihdr, h);
  ihdr.insert(ihdr.end(), {static_cast<uint8_t>(spec.depth), static_cast<uint8_t>(spec.color), 0, 0,
                           static_cast<uint8_t>(spec.interlace)});
  Chunk(&png, "IHDR", ihdr);
  for (const auto& [type, data] : spec.before_data) Chunk(&png, type, data);
  for (size_t at = 0; at < packed.size(); at += spec.idat_bytes)
    Chunk(&png, "IDAT", std::vector<uint8_t>(packed.begin() + at, packed.begin() + std::min(packed.size(), at + spec.idat_bytes)));
  Chunk(&png, "IEND", {});
  return png;
}

std::vector<uint8_t> Pattern(int h, int w, int channels, int seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> hwc(static_cast<size_t>(h * w * channels));
  for (size_t k = 0; k < hwc.size(); ++k) hwc[k] = static_cast<uint8_t>(k % 7 == 0 ? rng() : k * 3 + seed);
  return hwc;
}

// The direct result equals libpng's.
void ExpectSameAsLibpng(const std::vector<uint8_t>& png, const std::string& what) {
  const std::optional<DecodedImage> direct = DecodePngDirect(png);
  ASSERT_TRUE(direct.has_value()) << what;
  const auto reference = DecodePngWithLibpng(png, what);
  ASSERT_TRUE(reference.ok()) << what << ": " << reference.status().message();
  EXPECT_EQ(direct->channels, reference->channels) << what;
  EXPECT_EQ(direct->height, reference->height) << what;
  EXPECT_EQ(direct->width, reference->width) << what;
  EXPECT_EQ(direct->chw, reference->chw) << what;
}

TEST(PngDirect, DecodesWhatLibpngDecodesForEveryFilter) {
  const std::vector<std::vector<int>> filters{{0}, {1}, {2}, {3}, {4}, {0, 1, 2, 3, 4}, {4, 3, 2, 1}};
  for (int color : {0, 2})
    for (const auto& [h, w] : {std::pair{1, 1}, {3, 5}, {28, 28}, {17, 40}, {2, 300}})
      for (const std::vector<int>& f : filters)
        for (size_t idat : {size_t{1} << 20, size_t{7}}) {
          const auto hwc = Pattern(h, w, color == 2 ? 3 : 1, h * w + color);
          const PngSpec spec{.color = color, .filters = f, .idat_bytes = idat,
                             .before_data = {{"tEXt", {'a', 0, 'b'}}, {"pHYs", std::vector<uint8_t>(9, 1)},
                                             {"sRGB", {0}}, {"gAMA", {0, 0, 0xb1, 0x8f}},
                                             {"cHRM", std::vector<uint8_t>(32, 7)}}};
          ExpectSameAsLibpng(Encode(h, w, hwc, spec),
                             "color " + std::to_string(color) + " " + std::to_string(h) + "x" + std::to_string(w) +
                                 " filter " + std::to_string(f[0]) + " idat " + std::to_string(idat));
        }
  // libpng's own writer (its filter choice, its compression).
  for (int channels : {1, 3}) ExpectSameAsLibpng(test_images::EncodePng(channels, 30, 23, Pattern(30, 23, channels, 5)), "libpng's");
}

TEST(PngDirect, LeavesOtherKindsOfPngToLibpng) {
  const auto gray = Pattern(6, 7, 1, 1);
  EXPECT_FALSE(DecodePngDirect(Encode(6, 7, gray, {.before_data = {{"gAMA", {0, 1, 0x86, 0xa0}}}}))) << "gamma 1.0";
  EXPECT_FALSE(DecodePngDirect(Encode(6, 7, gray, {.before_data = {{"tRNS", {0, 5}}}})));
  EXPECT_FALSE(DecodePngDirect(Encode(6, 7, gray, {.before_data = {{"iCCP", {'p', 0, 0, 1, 2}}}})));
  EXPECT_FALSE(DecodePngDirect(Encode(6, 7, gray, {.before_data = {{"ZzZz", {1}}}}))) << "unknown critical chunk";
  EXPECT_FALSE(DecodePngDirect(Encode(6, 7, gray, {.interlace = 1})));
  EXPECT_FALSE(DecodePngDirect(test_images::EncodePng(4, 5, 5, Pattern(5, 5, 4, 2)))) << "RGBA";
  EXPECT_FALSE(DecodePngDirect(Encode(6, 7, gray, {.filters = {5}}))) << "no filter 5";
  // 16-bit (the header says so; its rows are too short for it).
  EXPECT_FALSE(DecodePngDirect(Encode(6, 7, Pattern(6, 7, 1, 3), {.depth = 16})));
  // Sizes whose products overflow, or past libpng's limits (1,000,000 pixels a side).
  for (const auto& [w, h] : {std::pair{2863398913u, 4294836226u}, {0xFFFFFFFFu, 0xFFFFFFFFu}, {2'000'000u, 1u}})
    EXPECT_FALSE(DecodePngDirect(Chunks({{"IHDR", Ihdr(w, h, 2)}, {"IDAT", Deflate(std::vector<uint8_t>(8))}, {"IEND", {}}})))
        << w << "x" << h;
  // Image data interrupted by another chunk; a chunk type that is not four letters.
  const std::vector<uint8_t> rows{0, 1, 2, 3, 0, 4, 5, 6}, packed = Deflate(rows);  // 2 rows of 3, filter 0
  const std::vector<uint8_t> head(packed.begin(), packed.begin() + 4), tail(packed.begin() + 4, packed.end());
  EXPECT_TRUE(DecodePngDirect(Chunks({{"IHDR", Ihdr(3, 2, 0)}, {"IDAT", head}, {"IDAT", tail}, {"tEXt", {'a', 0}}, {"IEND", {}}})));
  EXPECT_FALSE(DecodePngDirect(Chunks({{"IHDR", Ihdr(3, 2, 0)}, {"IDAT", head}, {"tEXt", {'a', 0}}, {"IDAT", tail}, {"IEND", {}}})));
  EXPECT_FALSE(DecodePngDirect(Chunks({{"IHDR", Ihdr(3, 2, 0)}, {"1abc", {}}, {"IDAT", packed}, {"IEND", {}}})));
  // Such files still decode, through libpng.
  EXPECT_TRUE(DecodeImage(Encode(6, 7, gray, {.before_data = {{"gAMA", {0, 1, 0x86, 0xa0}}}}), "linear.png").ok());
}

// Damage: bytes flipped, files cut short, and damage behind valid CRCs (the chunk's CRC
// recomputed, so the direct path reaches zlib and the row filters). Whatever the direct path
// decodes, libpng decodes to the same bytes.
TEST(PngDirect, NeverDecodesDamageLibpngWouldNot) {
  std::mt19937 rng(7);
  int direct_decoded = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const int color = trial % 2 ? 2 : 0, h = 3 + trial % 5, w = 4 + trial % 7;
    std::vector<uint8_t> png = Encode(h, w, Pattern(h, w, color == 2 ? 3 : 1, trial),
                                      {.color = color, .filters = {trial % 5, (trial + 2) % 5}, .idat_bytes = 40,
                                       .before_data = {{"tEXt", std::vector<uint8_t>(40, 'x')}}});
    switch (trial % 3) {
      case 0: png[rng() % png.size()] ^= static_cast<uint8_t>(1 + rng() % 255); break;
      case 1: png.resize(rng() % png.size()); break;
      case 2: {  // inside a chunk's type or data, then its CRC made right again
        std::vector<size_t> starts;
        for (size_t at = png::kFirstChunk; at + png::kChunkOverhead <= png.size();) {
          starts.push_back(at);
          at += png::kChunkOverhead + png::ReadBigEndian32(&png[at]);
        }
        const size_t chunk = starts[rng() % starts.size()];
        const uint32_t length = png::ReadBigEndian32(&png[chunk]);
        png[chunk + 4 + rng() % (length + 4)] ^= static_cast<uint8_t>(1 + rng() % 255);
        png::FixChunkCrc(png, chunk);
        break;
      }
    }
    if (!DecodePngDirect(png)) continue;
    ++direct_decoded;
    ExpectSameAsLibpng(png, "trial " + std::to_string(trial));
  }
  EXPECT_GT(direct_decoded, 50);  // damage that still decodes (in ancillary chunks) was met
}

}  // namespace
}  // namespace qforge
