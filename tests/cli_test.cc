// End-to-end tests of the `qforge` command: a tiny train -> eval round trip on a synthetic
// IDX dataset, --json output, training with pruning and clustering, and bad input (arguments,
// datasets, checkpoints) answered by one error line on stderr and the conventional exit code.
#include <nlohmann/json.hpp>

#include "cli_helpers.h"

namespace {

using namespace qforge_cli_test;

TEST_F(Cli, TrainEvalRoundTripWithJson) {
  Result t = RunQforge("train --model mlp --epochs 2 --threads 1 --json " + Data() + " --out " + Out("run/model.ckpt"), dir_);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const auto j = OnlyJson(t);
  EXPECT_GT(j.at("test_accuracy").get<double>(), 0.9);
  EXPECT_GT(j.at("images_per_second").get<double>(), 0);
  const std::string ckpt = j.at("checkpoint").get<std::string>();
  EXPECT_TRUE(fs::exists(ckpt));

  Result e = RunQforge("eval " + ckpt + " --json " + Data(), dir_);
  ASSERT_EQ(e.exit_code, 0) << e.err;
  const auto je = OnlyJson(e).at("models").at(0);
  EXPECT_EQ(je.at("count").get<int>(), 100);
  EXPECT_DOUBLE_EQ(je.at("accuracy").get<double>(), j.at("test_accuracy").get<double>());

  // Resuming a finished run for more epochs continues it.
  Result r = RunQforge("train --resume " + ckpt + " --epochs 3 --json " + Data() + " --out " + Out("run/model.ckpt"), dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("epoch 3/3"), std::string::npos) << r.err;  // progress: stderr under --json
  EXPECT_EQ(r.err.find("epoch 1/3"), std::string::npos) << r.err;
  EXPECT_EQ(OnlyJson(r).at("history").size(), 1u);

  Result m = RunQforge("models", dir_);
  ASSERT_EQ(m.exit_code, 0);
  for (const char* name : {"mlp", "lenet5", "mobilenet", "resnet"}) EXPECT_NE(m.out.find(name), std::string::npos);
}

TEST_F(Cli, TrainWithPruning) {
  // mlp's dense layers (784, 300, 100 inputs), 5 steps per epoch: 3 epochs, masks updated every
  // 2 steps up to step 10.
  Result t = RunQforge("train --model mlp --epochs 3 --threads 1 --json --prune 0.7 --prune-end 10 "
                       "--prune-frequency 2 --prune-layer dense3=0.4 " + Data() + " --out " + Out("p/model.ckpt"), dir_);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  nlohmann::json j = OnlyJson(t);
  const nlohmann::json& layers = j.at("pruned_layers");
  EXPECT_NEAR(layers.at("dense1").get<double>(), 0.7, 1e-4);
  EXPECT_NEAR(layers.at("dense2").get<double>(), 0.7, 1e-4);
  EXPECT_NEAR(layers.at("dense3").get<double>(), 0.4, 1e-3);
  EXPECT_GT(j.at("sparsity").get<double>(), 0.69);
  EXPECT_GT(j.at("test_accuracy").get<double>(), 0.8);

  // Resuming replays the stored schedule; the masks come back from the zeros.
  Result r = RunQforge("train --resume " + Out("p") + "/model.ckpt --epochs 4 --threads 1 --json " + Data() + " --out " +
                       Out("p/model.ckpt"), dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NEAR(OnlyJson(r).at("pruned_layers").at("dense1").get<double>(), 0.7, 1e-4);

  // 2:4: exactly half of every layer whose inputs split into groups of 4.
  Result nm = RunQforge("train --model mlp --epochs 1 --threads 1 --json --prune 0.5 --prune-pattern 2:4 " + Data() +
                        " --out " + Out("nm/model.ckpt"), dir_);
  ASSERT_EQ(nm.exit_code, 0) << nm.err;
  for (const auto& [node, s] : OnlyJson(nm).at("pruned_layers").items()) EXPECT_DOUBLE_EQ(s.get<double>(), 0.5) << node;

  // Quantization-aware training of the pruned model keeps its zeros (--keep-sparsity), and so
  // does the int8 model it converts to.
  Result q = RunQforge("train --init " + Out("p") + "/model.ckpt --qat --keep-sparsity --epochs 1 --threads 1 --json " +
                       Data() + " --out " + Out("q/model.ckpt"), dir_);
  ASSERT_EQ(q.exit_code, 0) << q.err;
  const nlohmann::json jq = OnlyJson(q);
  EXPECT_NEAR(jq.at("pruned_layers").at("dense1").get<double>(), 0.7, 1e-4);
  EXPECT_GT(jq.at("int8_accuracy").get<double>(), 0.8);

  ExpectUsageError(RunQforge("train --model mlp --prune 0.5 --keep-sparsity " + Data(), dir_), "not both");
  ExpectUsageError(RunQforge("train --model mlp --prune 0.5 --prune-pattern 3:2 " + Data(), dir_), "unknown pruning pattern");
  ExpectUsageError(RunQforge("train --model mlp --prune 0.5 --prune-schedule cubic " + Data(), dir_), "unknown pruning schedule");
  ExpectFailure(RunQforge("train --model mlp --prune 0.5 --prune-layer nothing=0.5 " + Data(), dir_), "'nothing'");
  ExpectUsageError(RunQforge("train --model mlp --prune 0.5 --prune-layer dense1=2 " + Data(), dir_), "--prune-layer");
  ExpectUsageError(RunQforge("train --model mlp --prune 1.5 " + Data(), dir_), "--prune");
}

TEST_F(Cli, TrainWithClustering) {
  // Prune, then cluster the pruned model: at most K shared nonzero values per tensor, the zeros kept.
  ASSERT_EQ(RunQforge("train --model mlp --epochs 2 --threads 1 --prune 0.6 --prune-end 6 --prune-frequency 2 " +
                          Data() + " --out " + Out("p/model.ckpt"), dir_).exit_code, 0);
  Result c = RunQforge("train --init " + Out("p") + "/model.ckpt --epochs 1 --threads 1 --json --cluster 8 "
                       "--cluster-init kmeans++ --cluster-layer dense3=4 " + Data() + " --out " + Out("c/model.ckpt"), dir_);
  ASSERT_EQ(c.exit_code, 0) << c.err;
  const nlohmann::json j = OnlyJson(c);
  EXPECT_LE(j.at("clusters").at("dense1").get<int>(), 8);
  EXPECT_GE(j.at("clusters").at("dense1").get<int>(), 2);
  EXPECT_LE(j.at("clusters").at("dense3").get<int>(), 4);
  EXPECT_NEAR(j.at("pruned_layers").at("dense1").get<double>(), 0.6, 1e-4);
  EXPECT_GT(j.at("test_accuracy").get<double>(), 0.8);
  // Per output channel: dense3's 10 rows take up to 4 values each.
  Result pc = RunQforge("train --init " + Out("p") + "/model.ckpt --epochs 1 --threads 1 --json --cluster 4 "
                        "--cluster-per-channel " + Data() + " --out " + Out("pc/model.ckpt"), dir_);
  ASSERT_EQ(pc.exit_code, 0) << pc.err;
  const int dense3 = OnlyJson(pc).at("clusters").at("dense3").get<int>();
  EXPECT_GT(dense3, 4);
  EXPECT_LE(dense3, 40);

  ExpectUsageError(RunQforge("train --model mlp --cluster 1 " + Data(), dir_), "--cluster");
  ExpectUsageError(RunQforge("train --model mlp --cluster 8 --cluster-init kmeans " + Data(), dir_),
                   "unknown centroid initialization");
  ExpectFailure(RunQforge("train --model mlp --cluster 8 --cluster-layer nothing=4 " + Data(), dir_), "'nothing'");
  ExpectUsageError(RunQforge("train --model mlp --cluster 8 --prune 0.5 " + Data(), dir_), "prune first");
  ExpectUsageError(RunQforge("train --model mlp --cluster-per-channel " + Data(), dir_), "needs --cluster K");
}

TEST_F(Cli, BadArgumentsGiveOneErrorLine) {
  ExpectUsageError(RunQforge("train --model nosuchnet " + Data(), dir_), "unknown model");
  ExpectUsageError(RunQforge("train --model mlp --epochs -3 " + Data(), dir_), "epochs");
  ExpectUsageError(RunQforge("train --model mlp --epochs banana " + Data(), dir_), "epochs");
  ExpectUsageError(RunQforge("train --model mlp --lr 0 " + Data(), dir_), "lr");
  ExpectUsageError(RunQforge("train --model mlp --optimizer rmsprop " + Data(), dir_), "optimizer");
  ExpectUsageError(RunQforge("train --model mlp --frobnicate " + Data(), dir_), "frobnicate");
  ExpectUsageError(RunQforge("train " + Data(), dir_), "--model");
  ExpectUsageError(RunQforge("", dir_), "subcommand");
  ExpectUsageError(RunQforge("eval", dir_), "model is required");
  ExpectUsageError(RunQforge("train --model mlp --init a --resume b " + Data(), dir_), "not both");
  ExpectUsageError(RunQforge("train --model mlp --out " + Out("folder") + " " + Data(), dir_), "must end in .ckpt");
}

TEST_F(Cli, BadDatasetsGiveOneErrorLine) {
  ExpectFailure(RunQforge("train --model mlp --data-dir " + Out("nowhere"), dir_), "does not exist");
  const fs::path data = dir_ / "data";
  // Truncated gzip stream.
  std::ifstream in(data / "train-images-idx3-ubyte.gz", std::ios::binary);
  std::vector<char> gz((std::istreambuf_iterator<char>(in)), {});
  in.close();
  std::ofstream(data / "train-images-idx3-ubyte.gz", std::ios::binary).write(gz.data(), gz.size() / 2);
  ExpectFailure(RunQforge("train --model mlp " + Data(), dir_), "train-images");
  // Images and labels disagree in count.
  WriteSplit(data, "train", 300);
  WriteGz(data / "train-labels-idx1-ubyte.gz", Idx({299}, std::vector<uint8_t>(299, 1)));
  ExpectFailure(RunQforge("train --model mlp " + Data(), dir_), "labels");
  // Not an IDX file at all.
  WriteGz(data / "train-labels-idx1-ubyte.gz", {'h', 'e', 'l', 'l', 'o'});
  ExpectFailure(RunQforge("train --model mlp " + Data(), dir_), "IDX");
  // Missing file.
  fs::remove(data / "train-labels-idx1-ubyte.gz");
  ExpectFailure(RunQforge("train --model mlp " + Data(), dir_), "no such file");
}

TEST_F(Cli, BadCheckpointsGiveOneErrorLine) {
  ASSERT_EQ(RunQforge("train --model mlp --epochs 1 --threads 1 " + Data() + " --out " + Out("run/model.ckpt"), dir_).exit_code, 0);
  const fs::path ckpt = dir_ / "run" / "model.ckpt";
  ExpectFailure(RunQforge("eval " + Out("missing.ckpt") + " " + Data(), dir_), "no such file");
  std::ifstream in(ckpt, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  in.close();
  std::ofstream(Out("cut.ckpt"), std::ios::binary).write(bytes.data(), bytes.size() - 100);
  ExpectFailure(RunQforge("eval " + Out("cut.ckpt") + " " + Data(), dir_), "checksum");
  bytes[bytes.size() / 2] ^= 0x40;
  std::ofstream(Out("flipped.ckpt"), std::ios::binary).write(bytes.data(), bytes.size());
  ExpectFailure(RunQforge("eval " + Out("flipped.ckpt") + " " + Data(), dir_), "checksum");
  std::ofstream(Out("text.ckpt")) << "this is not a checkpoint\n";
  ExpectFailure(RunQforge("eval " + Out("text.ckpt") + " " + Data(), dir_), "not a qforge checkpoint");
  ExpectFailure(RunQforge("train --init " + ckpt.string() + " --model lenet5 " + Data(), dir_), "does not match");
  ExpectFailure(RunQforge("eval " + (dir_ / "run").string() + " " + Data(), dir_), "directory");
}

}  // namespace
