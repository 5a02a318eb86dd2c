// Sharded NPY datasets: streamed training shards give the batches the concatenated in-memory
// shards do, bit for bit (fitted, augmented, sharded across ranks, any number of reading
// threads); mismatched shards are clear errors up front, a shard cut short after listing an
// error naming it.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "data/conform.h"
#include "data/dataset.h"
#include "data/npy.h"
#include "data/npy_shards.h"
#include "data/streamed_batches_test_util.h"

namespace qforge {
namespace {

namespace fs = std::filesystem;

class NpyShards : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("qforge_npy_shards_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& name, const NpyArray& a) {
    const std::vector<uint8_t> bytes = SerializeNpy(a);
    std::ofstream(dir_ / name, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  // n images, N x H x W x C uint8 (channels last), varying with `seed`.
  static NpyArray Images(int64_t n, int64_t h, int64_t w, int64_t c, int seed, NpyType type = NpyType::kUInt8) {
    NpyArray a{type, {n, h, w, c}, {}};
    a.data.resize(static_cast<size_t>(n * h * w * c * NpyTypeSize(type)));
    for (size_t k = 0; k < a.data.size(); ++k) a.data[k] = static_cast<uint8_t>((k * 13 + seed * 71) % 256);
    return a;
  }
  static NpyArray Labels(int64_t n, int seed) {
    NpyArray a{NpyType::kInt64, {n}, std::vector<uint8_t>(static_cast<size_t>(n * 8))};
    for (int64_t i = 0; i < n; ++i) a.data[i * 8] = static_cast<uint8_t>((i + seed) % 3);
    return a;
  }
  std::string Dir() const { return dir_.string(); }
  fs::path dir_;
};

TEST_F(NpyShards, StreamedShardsGiveTheInMemoryBatches) {
  const int64_t counts[] = {7, 5, 9};
  for (int s = 0; s < 3; ++s) {
    Write(fmt::format("x_train-{:05}.npy", s), Images(counts[s], 9, 11, 3, s));
    Write(fmt::format("y_train-{:05}.npy", s), Labels(counts[s], s));
  }
  Write("x_test-0.npy", Images(4, 9, 11, 3, 9));
  Write("y_test-0.npy", Labels(4, 9));
  Write("x_train-00003.npy", Images(0, 9, 11, 3, 0));  // an empty shard adds nothing
  Write("y_train-00003.npy", Labels(0, 0));
  ASSERT_TRUE(IsNpyShardFolder(Dir()));
  Preprocess pre;
  std::optional<TrainTestData> streamed;
  // Resized and cropped as read; and already the model's size (copied as read).
  for (const InputSpec spec : {InputSpec{3, 8, 8, 8}, InputSpec{3, 9, 11, 0}}) {
    auto memory = LoadNpyShards(Dir(), ArrayLayout::kAuto, spec, /*stream_train=*/false);
    auto loaded = LoadNpyShards(Dir(), ArrayLayout::kAuto, spec, /*stream_train=*/true);
    ASSERT_TRUE(memory.ok()) << memory.status().message();
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    streamed = *std::move(loaded);
    ASSERT_TRUE(ConformDataset(&memory->train, spec, "m").ok());
    ASSERT_TRUE(streamed->train.streamed());
    EXPECT_EQ(memory->train.count, 21);
    EXPECT_EQ(streamed->train.count, 21);
    EXPECT_EQ(streamed->train.labels, memory->train.labels);
    EXPECT_EQ(streamed->test.count, 4);
    EXPECT_EQ(streamed->train.num_classes, 3);
    pre = ComputeNormalization(memory->train);
    test_batches::ExpectStreamedBatchesEqual(memory->train, streamed->train, pre, 4, 5, {Shard{}, Shard{2, 3}},
                                             {Prefetch{1, 1}, Prefetch{3, 2}});
  }
  // A shard cut short after the run started: the epoch stops with an error naming it.
  fs::resize_file(dir_ / "x_train-00002.npy", fs::file_size(dir_ / "x_train-00002.npy") - 100);
  test_batches::ExpectEpochFailsNaming(streamed->train, pre, "x_train-00002.npy");
}

TEST_F(NpyShards, MismatchedShardsAreClearErrors) {
  const auto error = [&](bool stream) {
    auto r = LoadNpyShards(Dir(), ArrayLayout::kAuto, InputSpec{1, 8, 8, 0}, stream);
    return r.ok() ? std::string("loaded") : std::string(r.status().message());
  };
  Write("x_train-a.npy", Images(3, 8, 8, 1, 0));
  Write("y_train-a.npy", Labels(2, 0));
  for (bool stream : {false, true}) EXPECT_NE(error(stream).find("2 labels for the 3 images"), std::string::npos) << error(stream);
  Write("y_train-a.npy", Labels(3, 0));
  EXPECT_EQ(error(true), "loaded");
  Write("y_train-b.npy", Labels(3, 0));
  EXPECT_NE(error(true).find("do not pair"), std::string::npos) << error(true);
  Write("x_train-b.npy", Images(3, 9, 8, 1, 0));
  for (bool stream : {false, true}) EXPECT_NE(error(stream).find("x_train-b.npy"), std::string::npos) << error(stream);
  Write("x_train-b.npy", Images(3, 8, 8, 1, 0, NpyType::kFloat32));
  EXPECT_NE(error(true).find("streamed shards hold uint8 pixels"), std::string::npos) << error(true);
  Write("x_train-b.npy", Images(3, 8, 8, 1, 0));
  EXPECT_EQ(error(true), "loaded");
  {  // gzip-compressed: loads whole, cannot be read in pieces
    const std::vector<uint8_t> plain = SerializeNpy(Images(3, 8, 8, 1, 0));
    gzFile f = gzopen((dir_ / "x_train-b.npy").c_str(), "wb");
    gzwrite(f, plain.data(), static_cast<unsigned>(plain.size()));
    gzclose(f);
  }
  EXPECT_EQ(error(false), "loaded");
  EXPECT_NE(error(true).find("gzip-compressed"), std::string::npos) << error(true);
  Write("x_train-b.npy", Images(3, 8, 8, 1, 0));
  fs::resize_file(dir_ / "x_train-b.npy", fs::file_size(dir_ / "x_train-b.npy") - 1);  // header promises more
  for (bool stream : {false, true}) EXPECT_NE(error(stream).find("x_train-b.npy"), std::string::npos) << error(stream);
  for (const char* name : {"x_train-a.npy", "x_train-b.npy"})  // not the model's size, no resize asked
    Write(name, Images(3, 16, 16, 1, 0));
  EXPECT_NE(error(true).find("the model takes 8x8"), std::string::npos) << error(true);
  fs::remove(dir_ / "x_train-a.npy");
  fs::remove(dir_ / "x_train-b.npy");
  EXPECT_FALSE(IsNpyShardFolder(Dir()));
}

}  // namespace
}  // namespace qforge
