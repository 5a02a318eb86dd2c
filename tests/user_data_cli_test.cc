// Your own data end to end: an imported torchvision model trains, evaluates and quantizes on an
// image folder (mixed sizes, PNG and JPEG, gray and RGB) and on unlabelled array calibration
// data, its preprocessing stored so later commands need no flags; gray 28x28 data is fitted to
// an RGB 32x32 model; a streamed image folder and streamed NPY shards train to the same weights
// as in memory, and a folder trains when its pixels are four times the memory limit; wrong data
// and wrong preprocessing flags are one-line errors.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_helpers.h"
#include "data/npz.h"
#include "data/test_images.h"
#include "train/checkpoint.h"

namespace {

using namespace qforge_cli_test;
using nlohmann::json;
using qforge::test_images::EncodeJpeg;
using qforge::test_images::EncodePng;

const std::string kModel = std::string(QFORGE_ONNX_TESTDATA) + "/squeezenet1_1_32.onnx";

class UserDataCli : public Cli {
 protected:
  void WriteFile(const fs::path& p, const std::vector<uint8_t>& bytes) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  // Class "dark" and class "bright", JPEG (RGB) and PNG (gray) of mixed sizes.
  std::string WriteFolder() {
    for (const char* split : {"train", "val"})
      for (int bright = 0; bright < 2; ++bright)
        for (int i = 0; i < (split[0] == 't' ? 6 : 2); ++i) {
          const int h = 36 + 2 * i, w = 40, channels = i % 2 ? 1 : 3;
          std::vector<uint8_t> hwc(h * w * channels);
          for (size_t k = 0; k < hwc.size(); ++k) hwc[k] = static_cast<uint8_t>((bright ? 170 : 20) + (k * 7) % 60);
          WriteFile(dir_ / "f" / split / (bright ? "bright" : "dark") / (std::to_string(i) + (channels == 1 ? ".png" : ".jpg")),
                    channels == 1 ? EncodePng(1, h, w, hwc) : EncodeJpeg(3, h, w, hwc));
        }
    return (dir_ / "f").string();
  }
  // `train` (ending in --out) run in memory and with `stream_flags`: same accuracy, same weights.
  void ExpectStreamedTrainsLikeInMemory(const std::string& train, const std::string& stream_flags) {
    Result memory = RunQforge(train + Out("memory.ckpt"), dir_);
    ASSERT_EQ(memory.exit_code, 0) << memory.err;
    Result streamed = RunQforge(train + Out("streamed.ckpt") + stream_flags, dir_);
    ASSERT_EQ(streamed.exit_code, 0) << streamed.err;
    EXPECT_EQ(OnlyJson(streamed).value("test_accuracy", -1.0), OnlyJson(memory).value("test_accuracy", -2.0));
    auto a = qforge::LoadCheckpoint(Out("memory.ckpt")), b = qforge::LoadCheckpoint(Out("streamed.ckpt"));
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->graph.params().size(), b->graph.params().size());
    for (size_t p = 0; p < a->graph.params().size(); ++p) {
      const qforge::Tensor &x = a->graph.params()[p].tensor, &y = b->graph.params()[p].tensor;
      ASSERT_EQ(x.size(), y.size());
      for (int64_t i = 0; i < x.size(); ++i) ASSERT_EQ(x[i], y[i]) << a->graph.params()[p].name << " " << i;
    }
  }
  // Unlabelled float images, N x H x W x C.
  std::string WriteCalibration() {
    qforge::NpyArray x{qforge::NpyType::kFloat32, {5, 40, 40, 3}, {}};
    std::vector<float> v(5 * 40 * 40 * 3);
    for (size_t k = 0; k < v.size(); ++k) v[k] = static_cast<float>(k % 97) / 96.0f;
    x.data.resize(v.size() * 4);
    std::memcpy(x.data.data(), v.data(), x.data.size());
    const std::string path = Out("cal.npy");
    WriteFile(path, qforge::SerializeNpy(x));
    return path;
  }
};

TEST_F(UserDataCli, ImageFolderTrainsEvaluatesAndQuantizesWithStoredPreprocessing) {
  const std::string folder = WriteFolder();
  Result t = RunQforge("train --init " + kModel + " --data " + folder + " --input-size 32 --mean 0.5 --std 0.25,0.25,0.25 " +
                           "--epochs 1 --batch 4 --out " + Out("m.ckpt") + " --json", dir_);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_EQ(OnlyJson(t).at("history").size(), 1u);
  // eval and quantize take the stored resize and normalization: no flags.
  Result e = RunQforge("eval " + Out("m.ckpt") + " --data " + folder + " --json", dir_);
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(OnlyJson(e).at("models").at(0).at("count"), 4);
  Result q = RunQforge("quantize " + Out("m.ckpt") + " --data " + WriteCalibration() + " --out " + Out("m.qfm") + " --json", dir_);
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(OnlyJson(q).at("calibration").at("samples"), 5);
  Result eq = RunQforge("eval " + Out("m.qfm") + " --data " + folder + " --json", dir_);
  ASSERT_EQ(eq.exit_code, 0) << eq.err;
  EXPECT_EQ(OnlyJson(eq).at("models").at(0).at("count"), 4);
  // Unlabelled data cannot evaluate.
  ExpectFailure(RunQforge("eval " + Out("m.qfm") + " --data " + Out("cal.npy"), dir_), "needs labelled images");
}

TEST_F(UserDataCli, GrayImagesAreFittedToAnRgbModelOnlyWhenAsked) {
  Result r = RunQforge("train --init " + kModel + " " + Data() + " --epochs 1 --out " + Out("x.ckpt"), dir_);
  ExpectFailure(r, "with --input-size 32 when training or importing");
  EXPECT_FALSE(fs::exists(Out("x.ckpt")));
  Result ok = RunQforge("train --init " + kModel + " " + Data() + " --input-size 32 --epochs 1 --batch 50 --out " +
                            Out("x.ckpt") + " --json", dir_);
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(fs::exists(Out("x.ckpt")));
}

TEST_F(UserDataCli, StreamedImageFolderTrainsToTheInMemoryWeights) {
  for (const char* split : {"train", "test"})
    for (int i = 0; i < (split[1] == 'r' ? 150 : 30); ++i) {
      std::vector<uint8_t> gray(28 * 28);
      for (size_t k = 0; k < gray.size(); ++k) gray[k] = static_cast<uint8_t>((k / 28 == 4 + i % 3 * 8 ? 200 : 0) + (k * i) % 40);
      WriteFile(dir_ / "g" / split / std::to_string(i % 3) / (std::to_string(i) + ".png"), EncodePng(1, 28, 28, gray));
    }
  const std::string train = "train --model lenet5 --data " + Out("g") + " --epochs 2 --batch 16 --mean 0.2 --std 0.3 --seed 5 " +
                            "--augment-crop 2 --augment-flip --threads 1 --json --out ";
  ExpectStreamedTrainsLikeInMemory(train, " --stream --loader-threads 3 --prefetch 2");
  ExpectFailure(RunQforge("train --model lenet5 --epochs 1 --stream " + Data() + " --out " + Out("x.ckpt"), dir_),
                "--stream reads image folders");
  ExpectUsageError(RunQforge("train --model lenet5 --epochs 1 --loader-threads 2 --data " + Out("g") + " --out " + Out("x.ckpt"), dir_),
                   "--loader-threads and --prefetch need --stream");
}

// A folder of NPY shards trains streamed to the weights it trains to in memory.
TEST_F(UserDataCli, StreamedNpyShardsTrainToTheInMemoryWeights) {
  for (int shard = 0; shard < 3; ++shard) {
    const int64_t n = 40 + shard * 7;
    qforge::NpyArray x{qforge::NpyType::kUInt8, {n, 28, 28}, std::vector<uint8_t>(n * 28 * 28)};
    qforge::NpyArray y{qforge::NpyType::kUInt8, {n}, std::vector<uint8_t>(n)};
    for (int64_t i = 0; i < n; ++i) {
      y.data[i] = static_cast<uint8_t>((i + shard) % 3);
      for (int64_t k = 0; k < 28 * 28; ++k)
        x.data[i * 784 + k] = static_cast<uint8_t>((k / 28 == 4 + y.data[i] * 8 ? 200 : 0) + (k * (i + shard)) % 40);
    }
    for (const auto& [name, array] : {std::pair{"x_train", &x}, std::pair{"y_train", &y}})
      WriteFile(dir_ / "shards" / fmt::format("{}-{:05}.npy", name, shard), qforge::SerializeNpy(*array));
    if (shard == 0)
      for (const auto& [name, array] : {std::pair{"x_test", &x}, std::pair{"y_test", &y}})
        WriteFile(dir_ / "shards" / fmt::format("{}.npy", name), qforge::SerializeNpy(*array));
  }
  const std::string train = "train --model lenet5 --data " + Out("shards") + " --epochs 2 --batch 16 --mean 0.2 " +
                            "--std 0.3 --seed 5 --augment-crop 2 --augment-flip --threads 1 --json --out ";
  ExpectStreamedTrainsLikeInMemory(train, " --stream --loader-threads 2 --prefetch 3");
}

// An image folder whose pixels are four times the memory the process may address trains when
// streamed; loaded in memory under the same limit it is refused ("out of memory").
TEST_F(UserDataCli, StreamedImageFolderLargerThanTheMemoryLimitTrains) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer reserves terabytes of address space: no ulimit -v under it";
#endif
  constexpr int kSize = 224, kClasses = 4, kDistinct = 25, kCopies = 120;  // 12,000 training images
  constexpr int64_t kLimitKb = 440'000;                                     // ulimit -v: 451 MB
  const int64_t fitted_bytes = int64_t{kClasses} * kDistinct * kCopies * 3 * kSize * kSize;
  ASSERT_GE(fitted_bytes, 4 * kLimitKb * 1024);
  // Class k: brightness 30 + 50k, a pattern varying per image on top. Each distinct file is
  // hard-linked kCopies times: the loader reads and decodes every path as its own image.
  for (int c = 0; c < kClasses; ++c)
    for (int i = 0; i < kDistinct; ++i) {
      std::vector<uint8_t> hwc(kSize * kSize * 3);
      for (size_t k = 0; k < hwc.size(); ++k) hwc[k] = static_cast<uint8_t>(30 + 50 * c + (k * (i + 3)) % 61);
      const std::vector<uint8_t> png = EncodePng(3, kSize, kSize, hwc);
      const fs::path first = dir_ / "big" / "train" / std::to_string(c) / (std::to_string(i) + "_0.png");
      WriteFile(first, png);
      for (int copy = 1; copy < kCopies; ++copy)
        fs::create_hard_link(first, first.parent_path() / (std::to_string(i) + "_" + std::to_string(copy) + ".png"));
      if (i < 4) WriteFile(dir_ / "big" / "test" / std::to_string(c) / (std::to_string(i) + ".png"), png);
    }
  const std::string limit = "ulimit -v " + std::to_string(kLimitKb) + "; ";
  const std::string train = "train --init " + std::string(QFORGE_ONNX_TESTDATA) + "/wide_input_224.onnx --data " +
                            Out("big") + " --epochs 1 --batch 32 --lr 0.01 --threads 2 --json --out ";
  Result streamed = RunQforge(train + Out("streamed.ckpt") + " --stream --loader-threads 2 --prefetch 4", dir_, limit);
  ASSERT_EQ(streamed.exit_code, 0) << streamed.err;
  EXPECT_GT(OnlyJson(streamed).value("test_accuracy", 0.0), 0.5);  // chance: 0.25
  EXPECT_TRUE(qforge::LoadCheckpoint(Out("streamed.ckpt")).ok());
  ExpectFailure(RunQforge(train + Out("memory.ckpt"), dir_, limit), "out of memory");
}

TEST_F(UserDataCli, BadDataAndPreprocessingFlagsAreOneLineErrors) {
  const std::string init = "train --init " + kModel + " --epochs 1 --out " + Out("x.ckpt") + " " + Data();
  ExpectFailure(RunQforge(init + " --input-size 64", dir_), "--input-size 64 but the model takes 32x32");
  ExpectFailure(RunQforge(init + " --input-size 32 --mean 0.1,0.2", dir_), "2 preprocessing mean values for 3-channel");
  ExpectFailure(RunQforge(init + " --input-size 32 --std 0", dir_), "--std");
  ExpectFailure(RunQforge("train --init " + kModel + " --data " + Out("nothing.txt") + " --out " + Out("x.ckpt"), dir_),
                "not fashion-mnist, an .npz/.npy file or an image folder");
  qforge::NpyArray x{qforge::NpyType::kUInt8, {3, 32, 32}, std::vector<uint8_t>(3 * 32 * 32)};
  qforge::NpyArray y{qforge::NpyType::kUInt8, {2}, {0, 1}};
  ASSERT_TRUE(qforge::WriteNpz(Out("bad.npz"), {{"x_train", x}, {"y_train", y}}).ok());
  ExpectFailure(RunQforge("train --init " + kModel + " --data " + Out("bad.npz") + " --out " + Out("x.ckpt"), dir_),
                "bad.npz: y_train: 2 labels");
  WriteFile(dir_ / "f2" / "train" / "a" / "0.png", {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 1, 2, 3});
  ExpectFailure(RunQforge("train --init " + kModel + " --data " + Out("f2") + " --input-size 32 --out " + Out("x.ckpt"), dir_),
                "0.png");
  EXPECT_FALSE(fs::exists(Out("x.ckpt")));
  ExpectUsageError(RunQforge("train --resume " + Out("x.ckpt") + " --mean 0.5 " + Data(), dir_), "--resume continues");
}

}  // namespace
