// `qforge import` end to end on the ONNX test set (tests/onnx/make_reference.sh): a torchvision
// export becomes a checkpoint the other commands take (bench, eval, pruning, clustering), an
// .onnx path works where a checkpoint does, and a model with unsupported nodes or a wrong
// command line gives one error line and no file.
#include <nlohmann/json.hpp>

#include "cli_helpers.h"

namespace {

using namespace qforge_cli_test;
using nlohmann::json;

const std::string kModels = QFORGE_ONNX_TESTDATA;

class ImportCli : public Cli {};

TEST_F(ImportCli, ImportsATorchvisionModelThatBenchAndEvalTake) {
  const std::string onnx = kModels + "/squeezenet1_1_32.onnx";
  Result r = RunQforge("import " + onnx + " --class-names a,b,c,d,e,f,g,h,i,j --out " + Out("sq.ckpt") + " --json", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = OnlyJson(r);
  EXPECT_EQ(j.at("opset"), 10);
  // conv, relu, max pool, concat, global mean; the flatten after it needs no node ([N, C] already)
  EXPECT_EQ(j.at("qforge_nodes").get<int>(), 26 + 26 + 3 + 8 + 1);
  EXPECT_TRUE(fs::exists(Out("sq.ckpt")));
  for (const std::string& model : {Out("sq.ckpt"), onnx}) {
    Result b = RunQforge("bench " + model + " --batch 2 --threads 1 --json", dir_);
    EXPECT_EQ(b.exit_code, 0) << model << ": " << b.err;
  }
}

TEST_F(ImportCli, ImportedModelsPruneAndCluster) {
  const std::string onnx = kModels + "/squeezenet1_1_32.onnx";
  Result p = RunQforge("train --init " + onnx + " " + Data() + " --input-size 32 --prune 0.5 --epochs 1 --batch 50 --out " +
                           Out("pruned.ckpt") + " --json", dir_);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const json pruned = OnlyJson(p);
  EXPECT_NEAR(pruned.at("sparsity").get<double>(), 0.5, 0.02);
  EXPECT_EQ(pruned.at("pruned_layers").size(), 26u);  // every convolution
  Result c = RunQforge("train --init " + Out("pruned.ckpt") + " " + Data() + " --cluster 16 --epochs 1 --batch 50 --out " +
                           Out("clustered.ckpt") + " --json", dir_);
  ASSERT_EQ(c.exit_code, 0) << c.err;
  for (const auto& [layer, count] : OnlyJson(c).at("clusters").items()) EXPECT_LE(count.get<int>(), 16) << layer;
}

TEST_F(ImportCli, UnsupportedNodesFailWithOneLineAndWriteNothing) {
  Result r = RunQforge("import " + kModels + "/unsupported_ops.onnx --out " + Out("bad.ckpt"), dir_);
  ExpectFailure(r, "2 of 4 nodes cannot be imported");
  EXPECT_NE(r.err.find("'erf'"), std::string::npos);
  EXPECT_NE(r.err.find("'fancy'"), std::string::npos);
  EXPECT_FALSE(fs::exists(Out("bad.ckpt")));
}

TEST_F(ImportCli, BadArgumentsAreUsageErrors) {
  ExpectUsageError(RunQforge("import model.ckpt --out " + Out("x.ckpt"), dir_), "is not an .onnx or .tflite file");
  ExpectUsageError(RunQforge("import m.onnx --class-names a,,b --out " + Out("x.ckpt"), dir_), "empty name");
  Result r = RunQforge("import " + kModels + "/resnet18_32.onnx --class-names a,b --out " + Out("x.ckpt"), dir_);
  ExpectFailure(r, "2 class names given for an output of shape [N, 10]");
  EXPECT_FALSE(fs::exists(Out("x.ckpt")));
  ExpectFailure(RunQforge("import " + Out("missing.onnx") + " --out " + Out("x.ckpt"), dir_), "missing.onnx");
}

}  // namespace
