// Data tests: IDX and NPY parsing (valid, truncated, corrupt), gzip, atomic writes, batching.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "data/dataset.h"
#include "data/file_bytes.h"
#include "data/idx.h"
#include "data/npy.h"

namespace qforge {
namespace {

class DataFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("qforge_data_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  void Write(const std::string& name, const std::vector<uint8_t>& bytes, bool gzip = false) {
    if (gzip) {
      gzFile f = gzopen(Path(name).c_str(), "wb");
      gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
      gzclose(f);
    } else {
      std::ofstream(Path(name), std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    }
  }
  std::filesystem::path dir_;
};

std::vector<uint8_t> IdxBytes(std::vector<uint32_t> dims, uint8_t fill_start = 0) {
  std::vector<uint8_t> b{0, 0, 8, static_cast<uint8_t>(dims.size())};
  uint64_t count = 1;
  for (uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(d >> s));
    count *= d;
  }
  for (uint64_t i = 0; i < count; ++i) b.push_back(static_cast<uint8_t>(fill_start + i));
  return b;
}

TEST_F(DataFiles, IdxParsesPlainAndGzip) {
  Write("a.idx", IdxBytes({2, 3}));
  Write("b.idx.gz", IdxBytes({4}), true);
  auto a = ReadIdx(Path("a.idx"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->dims, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a->data[5], 5);
  auto b = ReadIdx(Path("b.idx.gz"));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->data.size(), 4u);
}

TEST_F(DataFiles, IdxRejectsBadFiles) {
  auto good = IdxBytes({3, 2, 2});
  auto truncated = good;
  truncated.resize(truncated.size() - 1);
  auto extra = good;
  extra.push_back(0);
  auto bad_magic = good;
  bad_magic[0] = 1;
  auto bad_type = good;
  bad_type[2] = 0x0d;
  auto zero_dim = IdxBytes({0, 2});
  for (const auto& b : {truncated, extra, bad_magic, bad_type, zero_dim}) {
    auto r = ParseIdx(b, "x");
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  }
  EXPECT_EQ(ReadIdx(Path("nope")).status().code(), StatusCode::kNotFound);
  // A gzip file cut short.
  Write("full.gz", IdxBytes({100, 100}), true);
  auto bytes = ReadFileBytes(Path("full.gz"));
  ASSERT_TRUE(bytes.ok());
  std::ifstream in(Path("full.gz"), std::ios::binary);
  std::vector<uint8_t> gz((std::istreambuf_iterator<char>(in)), {});
  gz.resize(gz.size() / 2);
  Write("cut.gz", gz);
  EXPECT_FALSE(ReadIdx(Path("cut.gz")).ok());
}

TEST_F(DataFiles, NpyRoundTripAndRejectsCorruption) {
  Tensor t({2, 3});
  for (int i = 0; i < 6; ++i) t[i] = i * 0.5f;
  ASSERT_TRUE(WriteNpy(Path("t.npy"), t).ok());
  auto back = ReadNpy(Path("t.npy"));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->shape(), t.shape());
  EXPECT_EQ((*back)[5], 2.5f);
  auto bytes = *ReadFileBytes(Path("t.npy"));
  auto cut = bytes;
  cut.resize(cut.size() - 3);
  EXPECT_FALSE(ParseNpy(cut, "cut").ok());
  auto bad = bytes;
  bad[1] = 'X';
  EXPECT_FALSE(ParseNpy(bad, "bad").ok());
  std::string header(bytes.begin() + 10, bytes.begin() + 10 + bytes[8]);
  auto pos = header.find("<f4");
  auto other = bytes;
  other[10 + pos + 1] = 'c';  // complex: unsupported
  EXPECT_FALSE(ParseNpy(other, "complex").ok());
}

// Plain files are read at their size, gzip ones decompressed (several members too), both within
// the size cap; a file whose size is not known up front (a pipe) is read until its end.
TEST_F(DataFiles, ReadFileBytesReadsPlainGzipAndUnsizedFilesWithinItsLimit) {
  std::vector<uint8_t> content(100'000);
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<uint8_t>(i * 7 + i / 300);
  Write("plain.bin", content);
  Write("packed.gz", content, true);
  Write("empty.bin", {});
  Write("one.bin", {0x1f});
  EXPECT_EQ(*ReadFileBytes(Path("plain.bin")), content);
  EXPECT_EQ(*ReadFileBytes(Path("packed.gz")), content);
  EXPECT_TRUE(ReadFileBytes(Path("empty.bin"))->empty());
  EXPECT_EQ(*ReadFileBytes(Path("one.bin")), std::vector<uint8_t>{0x1f});
  EXPECT_EQ(ReadFileBytes(Path("plain.bin"), content.size())->size(), content.size());
  for (const char* name : {"plain.bin", "packed.gz"}) {
    const auto over = ReadFileBytes(Path(name), content.size() - 1);
    EXPECT_EQ(over.status().code(), StatusCode::kDataLoss) << name;
    EXPECT_NE(over.status().ToString().find("byte limit"), std::string::npos) << over.status().ToString();
  }
  // Two gzip members one after the other (`cat a.gz b.gz`) read as both contents.
  std::ifstream packed(Path("packed.gz"), std::ios::binary);
  std::vector<uint8_t> twice((std::istreambuf_iterator<char>(packed)), {});
  twice.insert(twice.end(), twice.begin(), twice.end());
  Write("twice.gz", twice);
  std::vector<uint8_t> both = content;
  both.insert(both.end(), content.begin(), content.end());
  EXPECT_EQ(*ReadFileBytes(Path("twice.gz")), both);
  EXPECT_EQ(ReadFileBytes(Path("missing.bin")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ReadFileBytes(dir_.string()).status().code(), StatusCode::kInvalidArgument);
  // A pipe: no size up front, read until its end.
  const std::string fifo = Path("pipe");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] { std::ofstream(fifo, std::ios::binary).write(reinterpret_cast<const char*>(content.data()), content.size()); });
  EXPECT_EQ(*ReadFileBytes(fifo), content);
  writer.join();
}

TEST_F(DataFiles, AtomicWriteLeavesNoTemporaryFile) {
  ASSERT_TRUE(WriteFileAtomically(Path("x.bin"), {1, 2, 3}).ok());
  ASSERT_TRUE(WriteFileAtomically(Path("x.bin"), {4, 5}).ok());
  EXPECT_EQ(*ReadFileBytes(Path("x.bin")), (std::vector<uint8_t>{4, 5}));
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir_)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
  EXPECT_FALSE(WriteFileAtomically(Path("no/such/dir/x"), {1}).ok());
}

TEST_F(DataFiles, MnistStyleFolderValidation) {
  Write("train-images-idx3-ubyte", IdxBytes({5, 4, 4}));
  Write("train-labels-idx1-ubyte", IdxBytes({5}));
  Write("t10k-images-idx3-ubyte.gz", IdxBytes({2, 4, 4}), true);
  Write("t10k-labels-idx1-ubyte.gz", IdxBytes({2}), true);
  auto d = LoadFashionMnist(dir_.string());
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->train.count, 5);
  EXPECT_EQ(d->test.labels[1], 1);
  Write("train-labels-idx1-ubyte", IdxBytes({4}));  // count mismatch
  EXPECT_FALSE(LoadFashionMnist(dir_.string()).ok());
  Write("train-labels-idx1-ubyte", IdxBytes({5}, 8));  // labels 8..12: out of range
  auto bad = LoadFashionMnist(dir_.string());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("out of range"), std::string::npos);
  EXPECT_EQ(LoadFashionMnist(Path("missing")).status().code(), StatusCode::kNotFound);
}

TEST(BatchIterator, VisitsEveryExampleOnceAndIsSeeded) {
  ImageDataset d;
  d.count = 10;
  d.height = d.width = 2;
  d.num_classes = 10;
  for (int i = 0; i < 10; ++i) {
    d.labels.push_back(i);
    for (int p = 0; p < 4; ++p) d.pixels.push_back(static_cast<uint8_t>(i * 10));
  }
  Preprocess pre{.scale = 1.0f, .mean = {5.0f}, .std = {2.0f}};
  auto order = [&](uint64_t seed) {
    BatchIterator it(d, pre, 4, true, seed);
    Tensor x;
    std::vector<int32_t> y, all;
    while (it.Next(&x, &y)) {
      for (size_t i = 0; i < y.size(); ++i) EXPECT_FLOAT_EQ(x[i * 4], (y[i] * 10 - 5.0f) / 2.0f);
      all.insert(all.end(), y.begin(), y.end());
    }
    return all;
  };
  auto a = order(1), b = order(1), c = order(2);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  std::sort(a.begin(), a.end());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a[i], i);
}

TEST(BatchIterator, AugmentationCropsAndFlips) {
  ImageDataset d;
  d.count = 1;
  d.height = d.width = 3;
  d.num_classes = 1;
  d.labels = {0};
  d.pixels = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  Preprocess identity{.scale = 1.0f, .mean = {0.0f}, .std = {1.0f}};
  Tensor x;
  std::vector<int32_t> y;
  // Flip only: every draw is either the image or its mirror.
  int flipped = 0;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    BatchIterator it(d, identity, 1, false, seed, Augment{.horizontal_flip = true});
    ASSERT_TRUE(it.Next(&x, &y));
    const bool mirror = x[0] == 3;
    flipped += mirror;
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) ASSERT_EQ(x[r * 3 + c], d.pixels[r * 3 + (mirror ? 2 - c : c)]);
  }
  EXPECT_GT(flipped, 5);
  EXPECT_LT(flipped, 35);
  // Crop with padding 1: a shifted copy, zero-filled where it leaves the image.
  bool saw_shift = false;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    BatchIterator it(d, identity, 1, false, seed, Augment{.crop_padding = 1});
    ASSERT_TRUE(it.Next(&x, &y));
    if (x[4] != 5) saw_shift = true;
    int zeros = 0;
    for (int i = 0; i < 9; ++i) zeros += x[i] == 0;
    EXPECT_TRUE(zeros == 0 || zeros == 3 || zeros == 5) << zeros;
  }
  EXPECT_TRUE(saw_shift);
}

}  // namespace
TEST(Dataset, SliceExamples) {
  ImageDataset d;
  d.count = 5, d.channels = 1, d.height = 1, d.width = 2, d.num_classes = 3;
  d.pixels = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  d.labels = {0, 1, 2, 0, 1};
  const ImageDataset s = SliceExamples(d, 1, 3);
  EXPECT_EQ(s.count, 3);
  EXPECT_EQ(s.pixels, (std::vector<uint8_t>{2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(s.labels, (std::vector<int32_t>{1, 2, 0}));
  EXPECT_EQ(SliceExamples(d, 4, 10).count, 1);  // clamped to the data
  EXPECT_EQ(SliceExamples(d, 9, 1).count, 0);
}

}  // namespace qforge
