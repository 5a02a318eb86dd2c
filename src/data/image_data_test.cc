// Tests of the user-data loaders: resampling against the bilinear formula, fitting images to a
// model's input, PNG/JPEG decoding (valid, corrupt, truncated), image folders, array datasets
// (layouts, types, labels) and the per-channel preprocessing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <new>

#include "data/array_dataset.h"
#include "data/conform.h"
#include "data/dataset.h"
#include "data/example_source.h"
#include "data/image_decode.h"
#include "data/image_folder.h"
#include "data/npz.h"
#include "data/resize.h"
#include "data/streamed_batches_test_util.h"
#include "data/test_images.h"

namespace qforge {
namespace {
namespace fs = std::filesystem;
using test_images::EncodeJpeg;
using test_images::EncodePng;
using test_images::Gradient;

// Half-pixel bilinear interpolation with clamped edges (PyTorch's align_corners=False).
float Bilinear(const std::vector<float>& src, int64_t h, int64_t w, double y, double x) {
  y = std::clamp(y, 0.0, h - 1.0);
  x = std::clamp(x, 0.0, w - 1.0);
  const int64_t y0 = static_cast<int64_t>(y), x0 = static_cast<int64_t>(x);
  const int64_t y1 = std::min(y0 + 1, h - 1), x1 = std::min(x0 + 1, w - 1);
  const double fy = y - y0, fx = x - x0;
  return static_cast<float>((1 - fy) * ((1 - fx) * src[y0 * w + x0] + fx * src[y0 * w + x1]) +
                            fy * ((1 - fx) * src[y1 * w + x0] + fx * src[y1 * w + x1]));
}

TEST(Resize, EnlargingIsBilinearInterpolation) {
  const int64_t h = 5, w = 7, oh = 13, ow = 9;
  std::vector<float> src(h * w);
  for (int64_t i = 0; i < h * w; ++i) src[i] = static_cast<float>((i * 37) % 11);
  std::vector<float> dst(oh * ow);
  ResizePlane(src.data(), h, w, dst.data(), oh, ow);
  for (int64_t y = 0; y < oh; ++y)
    for (int64_t x = 0; x < ow; ++x)
      ASSERT_NEAR(dst[y * ow + x], Bilinear(src, h, w, (y + 0.5) * h / oh - 0.5, (x + 0.5) * w / ow - 0.5), 1e-4)
          << y << "," << x;
}

TEST(Resize, ShrinkingAveragesEverySourcePixel) {
  // A 1-pixel checkerboard shrunk 4x: plain bilinear would pick single pixels (0 or 1);
  // the widened filter averages them to 0.5 away from the edges.
  const int64_t n = 32, o = 8;
  std::vector<float> src(n * n);
  for (int64_t y = 0; y < n; ++y)
    for (int64_t x = 0; x < n; ++x) src[y * n + x] = static_cast<float>((x + y) % 2);
  std::vector<float> dst(o * o);
  ResizePlane(src.data(), n, n, dst.data(), o, o);
  for (int64_t y = 1; y < o - 1; ++y)
    for (int64_t x = 1; x < o - 1; ++x) EXPECT_NEAR(dst[y * o + x], 0.5f, 0.02f);
  std::vector<float> flat(n * n, 3.0f);
  ResizePlane(flat.data(), n, n, dst.data(), o, o);
  for (float v : dst) EXPECT_NEAR(v, 3.0f, 1e-5f);
}

TEST(Conform, ResizesShorterSideCropsCentreAndReplicatesGray) {
  EXPECT_EQ(ResizedSize(40, 50, 32), (std::pair<int64_t, int64_t>{32, 40}));
  EXPECT_EQ(ResizedSize(50, 40, 32), (std::pair<int64_t, int64_t>{40, 32}));
  // A 2 x 4 image with distinct columns, no resize needed at shorter side 2: crop 2 x 2 from the centre.
  const std::vector<float> image{0, 1, 2, 3, 10, 11, 12, 13};
  auto fitted = FitImage(image.data(), 1, 2, 4, InputSpec{3, 2, 2, 2}, "x");
  ASSERT_TRUE(fitted.ok()) << fitted.status().message();
  const std::vector<float> crop{1, 2, 11, 12};
  for (int c = 0; c < 3; ++c)
    EXPECT_EQ(std::vector<float>(fitted->begin() + 4 * c, fitted->begin() + 4 * c + 4), crop) << c;

  auto wrong_size = FitImage(image.data(), 1, 2, 4, InputSpec{1, 2, 2, 0}, "img.png");
  ASSERT_FALSE(wrong_size.ok());
  EXPECT_NE(wrong_size.status().message().find("img.png"), std::string::npos);
  EXPECT_NE(wrong_size.status().message().find("--input-size"), std::string::npos);
  // An extreme aspect ratio is refused before it allocates its resized image.
  auto huge = FitImage(image.data(), 1, 1, 1 << 16, InputSpec{1, 2, 2, 1 << 12}, "strip.png");
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.status().message().find("strip.png"), std::string::npos);
  EXPECT_FALSE(FitImage(image.data(), 1, 2, 4, InputSpec{2, 2, 2, 2}, "x").ok());  // 1 -> 2 channels
  EXPECT_FALSE(FitImage(image.data(), 1, 2, 4, InputSpec{1, 3, 3, 2}, "x").ok());  // resized smaller than the input
}

TEST(Conform, DatasetUpsampledToRgbKeepsLabelsAndEightBits) {
  ImageDataset d;
  d.count = 2;
  d.height = d.width = 4;
  d.pixels.assign(32, 200);
  d.labels = {1, 0};
  d.num_classes = 2;
  ASSERT_TRUE(ConformDataset(&d, InputSpec{3, 6, 6, 6}, "d").ok());
  EXPECT_EQ(d.channels, 3);
  EXPECT_EQ(d.height, 6);
  EXPECT_EQ(d.pixels.size(), 2u * 3 * 36);
  for (uint8_t p : d.pixels) EXPECT_EQ(p, 200);
  EXPECT_EQ(d.labels, (std::vector<int32_t>{1, 0}));
}

TEST(ImageDecode, PngAndJpegInGrayAndColor) {
  for (int channels : {1, 3}) {
    const std::vector<uint8_t> hwc = Gradient(channels, 12, 20);
    auto png = DecodeImage(EncodePng(channels, 12, 20, hwc), "a.png");
    ASSERT_TRUE(png.ok()) << png.status().message();
    EXPECT_EQ(png->channels, channels);
    EXPECT_EQ(png->height, 12);
    EXPECT_EQ(png->width, 20);
    for (int p = 0; p < 12 * 20; ++p)
      for (int c = 0; c < channels; ++c) ASSERT_EQ(png->chw[c * 240 + p], hwc[p * channels + c]);  // lossless
    auto jpeg = DecodeImage(EncodeJpeg(channels, 12, 20, hwc), "a.jpg");
    ASSERT_TRUE(jpeg.ok()) << jpeg.status().message();
    EXPECT_EQ(jpeg->channels, channels);
    for (int p = 0; p < 12 * 20; ++p)
      for (int c = 0; c < channels; ++c) ASSERT_NEAR(jpeg->chw[c * 240 + p], hwc[p * channels + c], 4);  // quality 100
  }
  // Alpha is dropped: RGBA decodes to RGB.
  auto rgba = DecodeImage(EncodePng(4, 3, 3, std::vector<uint8_t>(36, 255)), "rgba.png");
  ASSERT_TRUE(rgba.ok());
  EXPECT_EQ(rgba->channels, 3);
}

TEST(ImageDecode, CorruptAndTruncatedFilesAreErrorsNamingTheFile) {
  const std::vector<uint8_t> hwc = Gradient(3, 16, 16);
  std::vector<uint8_t> png = EncodePng(3, 16, 16, hwc), jpeg = EncodeJpeg(3, 16, 16, hwc);
  std::vector<std::pair<std::string, std::vector<uint8_t>>> bad = {
      {"short.png", std::vector<uint8_t>(png.begin(), png.begin() + png.size() / 2)},
      {"short.jpg", std::vector<uint8_t>(jpeg.begin(), jpeg.begin() + jpeg.size() / 2)},
      {"header.jpg", std::vector<uint8_t>(jpeg.begin(), jpeg.begin() + 20)},
      {"text.png", std::vector<uint8_t>{'h', 'e', 'l', 'l', 'o'}},
      {"empty.jpg", {}}};
  png[40] ^= 0xFF;  // inside the IDAT chunk: its CRC no longer matches
  bad.push_back({"flipped.png", png});
  for (const auto& [name, bytes] : bad) {
    auto r = DecodeImage(bytes, name);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_NE(r.status().message().find(name), std::string::npos) << r.status().message();
  }
}

// Found by fuzz_image (fuzz/regressions/image/): libpng allocated a chunk's declared length
// before reading it, 1.9 GB for a 585-byte file. Such a file is refused before libpng sees it.
TEST(ImageDecode, AChunkLongerThanTheFileIsRefusedBeforeDecoding) {
  std::vector<uint8_t> png = EncodePng(1, 4, 4, Gradient(1, 4, 4));
  const std::vector<uint8_t> text = {0x70, 0x48, 0x00, 0x00, 't', 'E', 'X', 't', 'a', 'b', 'c'};
  png.insert(png.begin() + 33, text.begin(), text.end());  // after IHDR (8 + 25 bytes)
  auto r = DecodeImage(png, "huge_text.png");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("huge_text.png: corrupt PNG (chunk 'tEXt' declares 1883766784 bytes, past the end"),
            std::string::npos)
      << r.status().message();
}

class UserData : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("qforge_user_data_test_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::vector<uint8_t>& bytes) {
    const fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return p.string();
  }
  static NpyArray U8(Shape shape, std::vector<uint8_t> data) { return {NpyType::kUInt8, std::move(shape), std::move(data)}; }
  static NpyArray I64(std::vector<int64_t> labels) {
    NpyArray a{NpyType::kInt64, {static_cast<int64_t>(labels.size())}, {}};
    a.data.resize(labels.size() * 8);
    std::memcpy(a.data.data(), labels.data(), a.data.size());
    return a;
  }
  fs::path dir_;
};

TEST_F(UserData, ImageFolderClassesSplitsAndFitting) {
  for (const char* split : {"train", "val"})
    for (const char* cls : {"dog", "cat"})
      for (int i = 0; i < 2; ++i) {
        const int h = 10 + i, w = 14;  // mixed sizes
        Write(fmt::format("f/{}/{}/{}.{}", split, cls, i, i ? "png" : "jpg"),
              i ? EncodePng(1, h, w, Gradient(1, h, w)) : EncodeJpeg(3, h, w, Gradient(3, h, w)));
      }
  const std::string root = (dir_ / "f").string();
  fs::create_directories(dir_ / "f/train/.ipynb_checkpoints");  // not a class
  auto data = LoadImageFolder(root, InputSpec{3, 8, 8, 8});
  ASSERT_TRUE(data.ok()) << data.status().message();
  EXPECT_EQ(data->train.class_names, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(data->train.count, 4);
  EXPECT_EQ(data->test.count, 4);
  EXPECT_EQ(data->train.labels, (std::vector<int32_t>{0, 0, 1, 1}));
  EXPECT_EQ(data->train.pixels.size(), 4u * 3 * 64);
  // Mixed sizes without a resize: the error names the first image that does not fit.
  auto mixed = LoadImageFolder(root, InputSpec{3, 10, 14, 0});
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.status().message().find("1.png"), std::string::npos) << mixed.status().message();
  // A corrupt image and a test class unknown to train are errors naming them.
  Write("f/train/cat/2.png", {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0});
  auto corrupt = LoadImageFolder(root, InputSpec{3, 8, 8, 8});
  ASSERT_FALSE(corrupt.ok());
  EXPECT_NE(corrupt.status().message().find("2.png"), std::string::npos) << corrupt.status().message();
  fs::remove(dir_ / "f/train/cat/2.png");
  Write("f/val/bird/0.png", EncodePng(1, 8, 8, Gradient(1, 8, 8)));
  auto unknown = LoadImageFolder(root, InputSpec{3, 8, 8, 8});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("bird"), std::string::npos);
}

// A streamed training split gives the batches the in-memory one does, bit for bit — shuffled,
// augmented, sharded, whatever the number of reading threads and how far ahead they read — and
// a file that turns bad after listing stops the epoch with an error naming it.
TEST_F(UserData, StreamedImageFolderGivesTheInMemoryBatches) {
  for (int i = 0; i < 37; ++i) {
    std::vector<uint8_t> hwc(3 * 9 * 11);
    for (size_t k = 0; k < hwc.size(); ++k) hwc[k] = static_cast<uint8_t>((k * 7 + i * 31) % 256);
    Write(fmt::format("s/train/{}/{:02}.png", i % 3 ? "a" : "b", i), EncodePng(3, 9, 11, hwc));
  }
  const InputSpec spec{3, 8, 8, 8};
  auto memory = LoadImageFolder((dir_ / "s").string(), spec);
  auto streamed = LoadImageFolder((dir_ / "s").string(), spec, /*stream_train=*/true);
  ASSERT_TRUE(memory.ok() && streamed.ok());
  ASSERT_TRUE(streamed->train.streamed());
  EXPECT_TRUE(streamed->train.pixels.empty());
  EXPECT_EQ(streamed->train.labels, memory->train.labels);
  const Preprocess pre = ComputeNormalization(memory->train);
  test_batches::ExpectStreamedBatchesEqual(memory->train, streamed->train, pre, 5, 11, {Shard{}, Shard{1, 3}},
                                           {Prefetch{1, 1}, Prefetch{4, 3}});
  // Unread batches ahead are dropped cleanly (the iterator is destroyed mid-epoch).
  { BatchIterator early(streamed->train, pre, 4, true, 1, {}, {}, Prefetch{8, 2}); }
  Write("s/train/a/05.png", {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0});
  test_batches::ExpectEpochFailsNaming(streamed->train, pre, "05.png");
}

// A source that runs out of memory reading an example: the epoch stops with "out of memory"
// (the message `std::bad_alloc` said nothing to a user).
TEST_F(UserData, StreamedExampleOutOfMemoryIsAClearError) {
  struct Exhausted : ExampleSource {
    Status Read(int64_t, uint8_t*) const override { throw std::bad_alloc(); }
  };
  ImageDataset d;
  d.count = 10;
  d.height = d.width = 4;
  d.source = std::make_shared<Exhausted>();
  BatchIterator it(d, Preprocess{}, 4, false, 0, {}, {}, Prefetch{2, 2});
  Tensor x;
  std::vector<int32_t> labels;
  while (it.Next(&x, &labels)) {}
  ASSERT_FALSE(it.status().ok());
  EXPECT_NE(it.status().message().find("out of memory"), std::string::npos) << it.status().message();
}

TEST_F(UserData, UnlabelledImageFolderIsCalibrationData) {
  for (int i = 0; i < 3; ++i) Write(fmt::format("cal/{}.png", i), EncodePng(1, 8, 8, Gradient(1, 8, 8)));
  auto data = LoadImageFolder((dir_ / "cal").string(), InputSpec{1, 8, 8, 0});
  ASSERT_TRUE(data.ok()) << data.status().message();
  EXPECT_EQ(data->train.count, 3);
  EXPECT_FALSE(data->train.labelled());
  EXPECT_EQ(data->test.count, 0);
}

TEST_F(UserData, ArraysInNchwAndNhwcGiveTheSameImages) {
  // 2 images, 3 channels, 5 x 6: value = 100 * n + 10 * c + (y * 6 + x) % 10.
  std::vector<uint8_t> nchw(2 * 3 * 30), nhwc(nchw.size());
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 3; ++c)
      for (int p = 0; p < 30; ++p) {
        const auto v = static_cast<uint8_t>(100 * n + 10 * c + p % 10);
        nchw[(n * 3 + c) * 30 + p] = v;
        nhwc[(n * 30 + p) * 3 + c] = v;
      }
  const std::string a = (dir_ / "a.npz").string(), b = (dir_ / "b.npz").string();
  ASSERT_TRUE(WriteNpz(a, {{"x_train", U8({2, 3, 5, 6}, nchw)}, {"y_train", I64({0, 2})}}).ok());
  ASSERT_TRUE(WriteNpz(b, {{"x_train", U8({2, 5, 6, 3}, nhwc)}, {"y_train", I64({0, 2})}}).ok());
  auto da = LoadArrayDataset(a), db = LoadArrayDataset(b);
  ASSERT_TRUE(da.ok() && db.ok());
  EXPECT_EQ(da->train.pixels, nchw);
  EXPECT_EQ(db->train.pixels, nchw);
  EXPECT_EQ(da->train.num_classes, 3);
  EXPECT_EQ(da->train.class_names, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_FALSE(da->test.labelled());

  NpyArray f{NpyType::kFloat32, {1, 2, 2}, std::vector<uint8_t>(16)};
  const float values[4] = {0.25f, -1.5f, 3.0f, 0.0f};
  std::memcpy(f.data.data(), values, 16);
  const std::string fp = (dir_ / "f.npy").string();
  ASSERT_TRUE(Write("f.npy", SerializeNpy(f)).size());
  auto df = LoadArrayDataset(fp);
  ASSERT_TRUE(df.ok()) << df.status().message();
  EXPECT_TRUE(df->train.floating);
  EXPECT_EQ(df->train.values, (std::vector<float>{0.25f, -1.5f, 3.0f, 0.0f}));
}

TEST_F(UserData, BadArraysAreErrors) {
  const std::vector<uint8_t> px(4 * 8 * 8);
  auto error_of = [&](std::vector<NamedArray> arrays) {
    const std::string p = (dir_ / "bad.npz").string();
    EXPECT_TRUE(WriteNpz(p, arrays).ok());
    auto r = LoadArrayDataset(p);
    return r.ok() ? std::string() : r.status().message();
  };
  EXPECT_NE(error_of({{"x_train", U8({4, 8, 8}, px)}, {"y_train", I64({0, 1, 2})}}).find("3 labels"), std::string::npos);
  EXPECT_NE(error_of({{"images", U8({4, 8, 8}, px)}}).find("x_train"), std::string::npos);
  EXPECT_NE(error_of({{"x_train", U8({4, 8, 8}, px)}, {"y_train", I64({0, 1, 2, -1})}}).find("out of range"),
            std::string::npos);
  EXPECT_NE(error_of({{"x_train", U8({1, 3, 4, 3}, std::vector<uint8_t>(36))}}).find("--layout"), std::string::npos);
  EXPECT_NE(error_of({{"x_train", U8({256}, std::vector<uint8_t>(256))}}).find("N x H x W"), std::string::npos);
  EXPECT_NE(error_of({{"x_train", U8({4, 8, 8}, px)}, {"y_test", I64({0})}}).find("y_test without x_test"),
            std::string::npos);
  NpyArray i16{NpyType::kInt16, {1, 2, 2}, std::vector<uint8_t>(8)};
  EXPECT_NE(error_of({{"x_train", i16}}).find("uint8 or float"), std::string::npos);
  NpyArray nan{NpyType::kFloat32, {1, 2, 2}, std::vector<uint8_t>(16)};
  const float q = std::nanf("");
  std::memcpy(nan.data.data() + 4, &q, 4);
  EXPECT_NE(error_of({{"x_train", nan}}).find("not finite"), std::string::npos);
  NpyArray float_labels{NpyType::kFloat32, {4}, std::vector<uint8_t>(16)};
  EXPECT_NE(error_of({{"x_train", U8({4, 8, 8}, px)}, {"y_train", float_labels}}).find("integers"), std::string::npos);
}

TEST(Preprocess, PerChannelValuesAndJson) {
  ImageDataset d;
  d.count = 2;
  d.channels = 2;
  d.height = d.width = 1;
  d.pixels = {0, 255, 255, 255};  // channel 0: 0, 255; channel 1: 255, 255
  const Preprocess p = ComputeNormalization(d);
  ASSERT_EQ(p.mean.size(), 2u);
  EXPECT_NEAR(p.mean[0], 0.5f, 1e-6);
  EXPECT_NEAR(p.std[0], 0.5f, 1e-6);
  EXPECT_NEAR(p.mean[1], 1.0f, 1e-6);
  EXPECT_NEAR(p.Apply(255, 0), 1.0f, 1e-5);
  auto back = Preprocess::FromJson(p.ToJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->mean, p.mean);
  EXPECT_EQ(back->std, p.std);
  // The files of earlier releases: scalars, no resize.
  auto old = Preprocess::FromJson(nlohmann::json::parse(R"({"scale": 0.00392156862745098, "mean": 0.28, "std": 0.35})"));
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->mean.size(), 1u);
  EXPECT_EQ(old->resize, 0);
  EXPECT_EQ(old->ToJson().dump(), nlohmann::json::parse(R"({"scale": 0.003921568859368563, "mean": 0.2800000011920929, "std": 0.3499999940395355})").dump());
  EXPECT_FALSE(Preprocess::FromJson(nlohmann::json::parse(R"({"scale": 1, "mean": [], "std": 1})")).ok());
  EXPECT_FALSE(Preprocess::FromJson(nlohmann::json::parse(R"({"scale": 1, "mean": 0, "std": [1, 0]})")).ok());
  EXPECT_FALSE(p.CheckChannels(3).ok());
  EXPECT_TRUE(p.CheckChannels(2).ok());
  const auto [lowest, highest] = p.PixelRange(2);
  EXPECT_NEAR(lowest, (0 - 1.0f) / p.std[1], 1e-5);
  EXPECT_NEAR(highest, 1.0f, 1e-5);
}

}  // namespace
}  // namespace qforge
