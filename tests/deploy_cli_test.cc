// End-to-end tests of the deploy commands on a synthetic dataset: train -> quantize (every
// mode and calibration method) -> eval the .qfm through the runtime, inspect, run on an NPY
// batch; prune -> cluster -> quantize -> compress; and bad input to each command answered by
// one error line and a non-zero exit.
#include <nlohmann/json.hpp>

#include <cstring>
#include <map>

#include "cli_helpers.h"
#include "data/npz.h"

namespace {

using namespace qforge_cli_test;
using nlohmann::json;

// A float32 NPY file (format 1.0).
void WriteNpy(const fs::path& p, const std::vector<int>& shape, const std::vector<float>& values) {
  std::string dims;
  for (int d : shape) dims += std::to_string(d) + ", ";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  header.append(64 - (10 + header.size() + 1) % 64, ' ');
  header += '\n';
  std::ofstream f(p, std::ios::binary);
  f.write("\x93NUMPY\x01\x00", 8);
  const uint16_t len = static_cast<uint16_t>(header.size());
  f.write(reinterpret_cast<const char*>(&len), 2);
  f << header;
  f.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * 4));
}

class DeployCli : public Cli {
 protected:
  // Trains lenet5 for one epoch on the synthetic data; returns the checkpoint path.
  std::string TrainLenet5() {
    Result t = RunQforge("train --model lenet5 --epochs 1 --threads 1 " + Data() + " --out " + Out("run/model.ckpt"), dir_);
    EXPECT_EQ(t.exit_code, 0) << t.err;
    return Out("run") + "/model.ckpt";
  }
  // What a command prints with --json: exactly one JSON object on stdout. eval's one model.
  json Json(const std::string& args) {
    Result r = RunQforge(args + " --json", dir_);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    const json j = OnlyJson(r);
    return args.rfind("eval ", 0) == 0 && j.contains("models") ? j.at("models").at(0) : j;
  }
};

TEST_F(DeployCli, QuantizeEvalInspectRun) {
  const std::string ckpt = TrainLenet5();
  const double float_ckpt = Json("eval " + ckpt + " " + Data()).at("accuracy").get<double>();
  ASSERT_GT(float_ckpt, 0.5);

  // The float file through the runtime agrees with the training engine.
  Json("quantize " + ckpt + " --mode float --out " + Out("f.qfm"));
  const json f = Json("eval " + Out("f.qfm") + " " + Data());
  EXPECT_NEAR(f.at("accuracy").get<double>(), float_ckpt, 0.011);
  EXPECT_EQ(f.at("count").get<int>(), 100);
  const double float_bytes = f.at("model_bytes").get<double>();

  for (const char* method : {"minmax", "percentile", "mse", "kl"}) {
    const std::string out = Out(std::string(method) + ".qfm");
    const json q = Json("quantize " + ckpt + " --mode int8 --calib-method " + method + " --calib-samples 200 " +
                        Data() + " --out " + out);
    EXPECT_EQ(q.at("calibration").at("method"), method);
    const json e = Json("eval " + out + " " + Data());
    EXPECT_GE(e.at("accuracy").get<double>(), f.at("accuracy").get<double>() - 0.05) << method;
    EXPECT_LT(e.at("model_bytes").get<double>(), 0.3 * float_bytes) << method;
    EXPECT_EQ(e.at("mode"), "int8");
  }
  for (const char* mode : {"float16", "dynamic", "int16x8"}) {
    Json("quantize " + ckpt + " --mode " + mode + " " + Data() + " --out " + Out(std::string(mode) + ".qfm"));
    const json e = Json("eval " + Out(std::string(mode) + ".qfm") + " " + Data());
    EXPECT_GE(e.at("accuracy").get<double>(), f.at("accuracy").get<double>() - 0.05) << mode;
  }
  Json("quantize " + ckpt + " --mode int8 --int8-io --bias-correction " + Data() + " --out " + Out("io.qfm"));
  EXPECT_GE(Json("eval " + Out("io.qfm") + " " + Data()).at("accuracy").get<double>(), f.at("accuracy").get<double>() - 0.05);

  // inspect: operators, tensors, bytes by part that add up, the arena plan.
  const json i = Json("inspect " + Out("minmax.qfm"));
  EXPECT_EQ(i.at("operators").at(0).at("type"), "QUANTIZE");
  EXPECT_EQ(i.at("operators").back().at("type"), "DEQUANTIZE");
  const json& parts = i.at("bytes_by_part");
  EXPECT_EQ(parts.at("weights").get<int64_t>() + parts.at("biases").get<int64_t>() +
                parts.at("other_constants").get<int64_t>() + parts.at("metadata").get<int64_t>() +
                parts.at("structure").get<int64_t>(),
            i.at("model_bytes").get<int64_t>());
  EXPECT_LE(i.at("arena").at("peak_bytes").get<double>(), 1.5 * i.at("arena").at("lower_bound_bytes").get<double>());
  bool found_int8_weights = false;
  for (const json& t : i.at("tensors"))
    found_int8_weights |= t.at("dtype") == "INT8" && t.at("constant").get<bool>() && t.at("scale").size() > 1;
  EXPECT_TRUE(found_int8_weights);
  Result text = RunQforge("inspect " + Out("minmax.qfm"), dir_);
  EXPECT_NE(text.out.find("bytes by part"), std::string::npos);

  // run: an NPY batch in, logits out.
  WriteNpy(Out("in.npy"), {3, 28, 28, 1}, std::vector<float>(3 * 784, 0.25f));
  const json r = Json("run " + Out("minmax.qfm") + " --input " + Out("in.npy") + " --out " + Out("out.npy"));
  EXPECT_EQ(r.at("outputs").at(0).at("shape"), json::array({3, 10}));
  EXPECT_EQ(r.at("outputs").at(0).at("dtype"), "float32");
  EXPECT_TRUE(fs::exists(Out("out.npy")));
  EXPECT_EQ(fs::file_size(Out("out.npy")), 128u + 3 * 10 * 4);
}

// Deep Compression end to end: prune, cluster with the pruned zeros kept, quantize, code. The
// coded model is smaller, decodes at load to the same int8 model (same accuracy), and inspect's
// parts (codebooks, indices, sparse indices ...) add up to the file.
TEST_F(DeployCli, PruneClusterQuantizeCompress) {
  const std::string ckpt = TrainLenet5();
  const json p = Json("train --model lenet5 --init " + ckpt + " --epochs 1 --threads 1 --prune 0.8 --prune-end 4 " +
                      Data() + " --out " + Out("pruned/model.ckpt"));
  EXPECT_GT(p.at("sparsity").get<double>(), 0.75);
  const json c = Json("train --model lenet5 --init " + Out("pruned") + "/model.ckpt --epochs 1 --threads 1 --cluster 16 " +
                      Data() + " --out " + Out("clustered/model.ckpt"));
  for (const auto& [node, k] : c.at("clusters").items()) EXPECT_LE(k.get<int>(), 16) << node;
  Json("quantize " + Out("clustered") + "/model.ckpt --mode int8 " + Data() + " --out " + Out("int8.qfm"));
  const json e = Json("eval " + Out("int8.qfm") + " " + Data());

  const json z = Json("compress " + Out("int8.qfm") + " --out " + Out("coded.qfm") + " --eval " + Data());
  EXPECT_EQ(z.at("accuracy").get<double>(), e.at("accuracy").get<double>());
  EXPECT_LT(z.at("model_bytes").get<double>(), 0.4 * e.at("model_bytes").get<double>());
  EXPECT_GT(z.at("compression_ratio").get<double>(), 10.0);
  EXPECT_GE(z.at("coded_buffers").get<int>(), 3);  // the weights of conv2, dense1, dense2 at least
  EXPECT_GT(z.at("decode").at("mb_per_s").get<double>(), 0.0);
  EXPECT_EQ(Json("eval " + Out("coded.qfm") + " " + Data()).at("accuracy"), e.at("accuracy"));

  const json i = Json("inspect " + Out("coded.qfm"));
  EXPECT_EQ(i.at("version").get<int>(), 2);
  const json& parts = i.at("bytes_by_part");
  int64_t sum = 0;
  for (const char* part : {"codebooks", "indices", "sparse_indices", "weights", "biases", "other_constants",
                           "metadata", "structure"})
    sum += parts.at(part).get<int64_t>();
  EXPECT_EQ(sum, i.at("model_bytes").get<int64_t>());
  EXPECT_GT(parts.at("sparse_indices").get<int64_t>(), 0);
  EXPECT_EQ(parts.at("compression_ratio"), z.at("compression_ratio"));
  EXPECT_EQ(i.at("decode").at("coded_buffers"), z.at("coded_buffers"));

  std::ifstream in(Out("coded.qfm"), std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(Out("cut.qfm"), std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() * 3 / 4));
  ExpectFailure(RunQforge("compress " + Out("cut.qfm") + " --out " + Out("x.qfm"), dir_), "corrupt or truncated");
  ExpectFailure(RunQforge("eval " + Out("cut.qfm") + " " + Data(), dir_), "corrupt or truncated");
  ExpectFailure(RunQforge("compress " + ckpt + " --out " + Out("x.qfm"), dir_), "not a .qfm model");
  ExpectFailure(RunQforge("compress " + Out("none.qfm") + " --out " + Out("x.qfm"), dir_), "cannot open");
  ExpectUsageError(RunQforge("compress " + Out("coded.qfm"), dir_), "--out");
}

// Quantization-aware training from scratch and fine-tuning: the run reports the simulated and
// the runtime's accuracy and their agreement; `convert` writes the same model.
TEST_F(DeployCli, QatTrainConvertEval) {
  const json t = Json("train --model lenet5 --qat --epochs 1 --threads 1 " + Data() + " --out " + Out("qat/model.ckpt"));
  ASSERT_TRUE(t.contains("int8_accuracy")) << t.dump();
  EXPECT_GT(t.at("qat_sim_accuracy").get<double>(), 0.5);
  EXPECT_GE(t.at("agreement").get<double>(), 0.9);
  EXPECT_NEAR(t.at("int8_accuracy").get<double>(), t.at("qat_sim_accuracy").get<double>(), 0.1);
  Json("convert " + Out("qat") + "/model.ckpt --out " + Out("qat.qfm"));
  const json e = Json("eval " + Out("qat.qfm") + " " + Data());
  EXPECT_DOUBLE_EQ(e.at("accuracy").get<double>(), t.at("int8_accuracy").get<double>());
  EXPECT_EQ(e.at("mode"), "int8");

  const std::string ckpt = TrainLenet5();
  const json lsq = Json("train --init " + ckpt + " --qat --quantizer lsq --epochs 1 --lr 1e-4 " + Data() + " --out " + Out("lsq/model.ckpt"));
  EXPECT_GE(lsq.at("agreement").get<double>(), 0.9);
  ExpectFailure(RunQforge("convert " + ckpt + " --out " + Out("x.qfm"), dir_), "is a float model");
  ExpectFailure(RunQforge("quantize " + Out("qat") + "/model.ckpt --out " + Out("x.qfm") + " " + Data(), dir_),
                   "convert it with `qforge convert`");
  // A QAT checkpoint evaluates (the simulation) and resumes like any other.
  EXPECT_NEAR(Json("eval " + Out("qat") + "/model.ckpt " + Data()).at("accuracy").get<double>(),
              t.at("qat_sim_accuracy").get<double>(), 1e-9);
  const json resumed = Json("train --resume " + Out("qat") + "/model.ckpt --epochs 2 " + Data() + " --out " + Out("qat/model.ckpt"));
  EXPECT_TRUE(resumed.contains("int8_accuracy"));
  ExpectUsageError(RunQforge("train --model lenet5 --qat --scheme int3 " + Data(), dir_), "unknown scheme 'int3'");
  ExpectUsageError(RunQforge("train --model lenet5 --qat --quantizer adaround " + Data(), dir_), "unknown quantizer");
}

TEST_F(DeployCli, BenchComparesModelsAndThreadCounts) {
  const std::string ckpt = TrainLenet5();
  ASSERT_EQ(RunQforge("quantize " + ckpt + " --mode int8 " + Data() + " --out " + Out("b.qfm"), dir_).exit_code, 0);
  const json j = Json("bench " + ckpt + " " + Out("b.qfm") + " --batch 4 --threads 1,2 --min-seconds 0.05");
  ASSERT_EQ(j.at("results").size(), 4u);  // each model at each thread count, in that order
  const std::vector<std::pair<std::string, int>> want = {{ckpt, 1}, {ckpt, 2}, {Out("b.qfm"), 1}, {Out("b.qfm"), 2}};
  for (size_t i = 0; i < want.size(); ++i) {
    const json& r = j.at("results")[i];
    EXPECT_EQ(r.at("model").get<std::string>(), want[i].first);
    EXPECT_EQ(r.at("threads").get<int>(), want[i].second);
    EXPECT_GT(r.at("median_ms").get<double>(), 0.0);
    EXPECT_GE(r.at("p90_ms").get<double>(), r.at("median_ms").get<double>());
    EXPECT_GE(r.at("iterations").get<int>(), 10);  // 5 rounds of at least 2 calls
  }
  EXPECT_EQ(j.at("results")[0].at("isa").get<std::string>(), "float (oneDNN)");
  // The profile names each operator's kernel and, for convolutions, their GOPS.
  const Result p = RunQforge("bench " + Out("b.qfm") + " --profile --min-seconds 0.05", dir_);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.out.find("CONV_2D"), std::string::npos);
  EXPECT_NE(p.out.find("GOPS"), std::string::npos);
  // --isa: each runtime model under each cap (the checkpoint once), the reference first.
  const json isas = Json("bench " + ckpt + " " + Out("b.qfm") + " --isa ref,avx512vbmi --batch 2 --threads 1 --min-seconds 0.05");
  ASSERT_EQ(isas.at("results").size(), 3u);
  EXPECT_EQ(isas.at("results")[1].at("isa").get<std::string>(), "ref");
  const json best = Json("bench " + Out("b.qfm") + " --batch 2 --threads 1 --min-seconds 0.02");  // this CPU's best
  EXPECT_EQ(isas.at("results")[2].at("isa"), best.at("results")[0].at("isa"));
  // A float model's profile states its operators against the float peak where it is measured.
  ASSERT_EQ(RunQforge("quantize " + ckpt + " --mode float --out " + Out("f.qfm"), dir_).exit_code, 0);
  const Result fp = RunQforge("bench " + Out("f.qfm") + " --profile --min-seconds 0.05", dir_);
  ASSERT_EQ(fp.exit_code, 0) << fp.err;
  if (fp.out.find("int8 peak, measured now") != std::string::npos)  // AVX-512 VNNI: both peaks are measured
    EXPECT_NE(fp.out.find("float peak, measured now"), std::string::npos) << fp.out;

  // --sparse: each runtime model with the dense kernels only and with sparse ones allowed.
  const json sparse = Json("bench " + Out("b.qfm") + " --sparse off,auto --batch 2 --threads 1 --min-seconds 0.02");
  ASSERT_EQ(sparse.at("results").size(), 2u);
  EXPECT_NE(sparse.at("results")[0].at("isa").get<std::string>().find(" dense"), std::string::npos);
  EXPECT_NE(sparse.at("results")[1].at("isa").get<std::string>().find(" sparse"), std::string::npos);
  ExpectUsageError(RunQforge("bench " + Out("b.qfm") + " --sparse maybe", dir_), "--sparse: 'maybe' is neither auto nor off");
  ExpectUsageError(RunQforge("bench " + Out("b.qfm") + " --isa avx9", dir_), "unknown ISA 'avx9'");
  ExpectUsageError(RunQforge("bench " + Out("b.qfm") + " --threads 1,300", dir_), "--threads");
  ExpectUsageError(RunQforge("bench " + Out("b.qfm") + " --batch 0", dir_), "--batch");
  ExpectUsageError(RunQforge("bench " + Out("b.qfm") + " --min-seconds -1", dir_), "--min-seconds");
  ExpectFailure(RunQforge("bench " + Out("none.qfm"), dir_), "none.qfm");
}

// Mixed precision: post-training (--keep-float, --int16) and QAT (--keep-float) models with float
// and int16 regions run and keep their accuracy; the recovery options (--equalize, --adaround)
// run and report; bad layer choices and option combinations are one error line.
TEST_F(DeployCli, MixedPrecisionModels) {
  const std::string ckpt = TrainLenet5();
  const double float_accuracy = Json("eval " + ckpt + " " + Data()).at("accuracy").get<double>();
  Json("quantize " + ckpt + " --keep-float conv1 --int16 dense1,dense2 " + Data() + " --out " + Out("mixed.qfm"));
  const json mixed = Json("eval " + Out("mixed.qfm") + " " + Data());
  EXPECT_NEAR(mixed.at("accuracy").get<double>(), float_accuracy, 0.03);
  const Result inspect = RunQforge("inspect " + Out("mixed.qfm"), dir_);
  EXPECT_NE(inspect.out.find("\"layer_modes\":{\"conv1\":\"float\",\"dense1\":\"int16x8\",\"dense2\":\"int16x8\"}"),
            std::string::npos) << inspect.out;
  EXPECT_NE(inspect.out.find("flatten1/int16"), std::string::npos);
  // Exported to TFLite (its requantizing QUANTIZEs included) and imported back, it runs the same.
  Json("export " + Out("mixed.qfm") + " --format tflite --out " + Out("mixed.tflite"));
  Json("import " + Out("mixed.tflite") + " --out " + Out("mixed-back.qfm"));
  EXPECT_EQ(Json("eval " + Out("mixed-back.qfm") + " " + Data()).at("accuracy"), mixed.at("accuracy"));
  ExpectFailure(RunQforge("quantize " + ckpt + " --keep-float conv9 " + Data() + " --out " + Out("x.qfm"), dir_),
                "'conv9' is not a node of the model (its layers: conv1, maxpool1,");
  ExpectUsageError(RunQforge("quantize " + ckpt + " --keep-float conv1 --int16 conv1 --out " + Out("x.qfm"), dir_),
                   "node 'conv1' is named twice");
  ExpectUsageError(RunQforge("quantize " + ckpt + " --mode float16 --keep-float conv1 --out " + Out("x.qfm"), dir_),
                   "need --mode int8 or int16x8");
  ExpectUsageError(RunQforge("train --model lenet5 --keep-float conv1 " + Data(), dir_), "need --qat");

  // Accuracy recovery: per-tensor weights with equalization, 4-bit weights with AdaRound.
  const json cle = Json("quantize " + ckpt + " --per-tensor --equalize " + Data() + " --out " + Out("cle.qfm"));
  EXPECT_EQ(cle.at("equalization").at("pairs"), 3);  // conv1 -> conv2, conv2 -> dense1, dense1 -> dense2
  EXPECT_NEAR(Json("eval " + Out("cle.qfm") + " " + Data()).at("accuracy").get<double>(), float_accuracy, 0.03);
  const json ada = Json("quantize " + ckpt + " --weight-bits 4 --adaround --adaround-iters 50 " + Data() + " --out " +
                        Out("w4.qfm"));
  ASSERT_EQ(ada.at("adaround").size(), 4u);
  EXPECT_LE(ada.at("adaround").at(0).at("adaround_error").get<double>(), ada.at("adaround").at(0).at("nearest_error").get<double>());
  EXPECT_NE(RunQforge("inspect " + Out("w4.qfm"), dir_).out.find("\"weights\":{\"bits\":4,\"per_tensor\":false}"),
            std::string::npos);
  // 4-bit weights are stored two per byte: the file at most 0.55 of the int8 one (lenet5: the
  // weights 0.5, biases and structure unchanged); its packed buffers load and run.
  Json("quantize " + ckpt + " " + Data() + " --out " + Out("w8.qfm"));
  EXPECT_LE(std::filesystem::file_size(Out("w4.qfm")), 0.55 * std::filesystem::file_size(Out("w8.qfm")));
  EXPECT_GT(Json("eval " + Out("w4.qfm") + " " + Data()).at("accuracy").get<double>(), float_accuracy - 0.05);
  // The mixed-precision search: every configuration it measured, the fastest within the budget
  // chosen.
  for (double budget : {0.0, 100.0}) {
    const json search = Json("quantize " + ckpt + " --auto-mixed --max-drop " + std::to_string(budget) +
                             " --raise-to float --auto-samples 60 " + Data() + " --out " + Out("auto.qfm")).at("auto_mixed");
    const json& points = search.at("points");
    ASSERT_EQ(points.size() >= 9, true) << search.dump();  // float, quantized, each of the 7 layers in float, steps
    EXPECT_EQ(points.at(0).at("label"), "float");
    EXPECT_EQ(points.at(1).at("label"), "quantized");
    int chosen = 0;
    for (const json& p : points) chosen += p.at("chosen").get<bool>();
    EXPECT_EQ(chosen, 1);
    if (budget == 100.0) EXPECT_TRUE(search.at("met").get<bool>());  // every configuration is within it
    EXPECT_EQ(search.at("held_out").at("samples"), 40);
    double fastest_within = 1e30, chosen_latency = 0.0;
    for (const json& p : points) {
      const bool within = search.at("float_accuracy").get<double>() - p.at("accuracy").get<double>() <= budget / 100.0 + 1e-12;
      // The float model is the fallback, not a candidate: on a CPU without VNNI it can measure
      // faster than the quantized points (seen on an AVX2-only AMD EPYC).
      if (within && p.at("label") != "float") fastest_within = std::min(fastest_within, p.at("latency_ms").get<double>());
      if (p.at("chosen").get<bool>()) {
        EXPECT_TRUE(within) << p.dump();
        chosen_latency = p.at("latency_ms").get<double>();
      }
    }
    EXPECT_LE(chosen_latency, 1.03 * fastest_within);
  }
  ExpectUsageError(RunQforge("quantize " + ckpt + " --auto-mixed --raise-to float16 --out " + Out("x.qfm"), dir_), "--raise-to takes");
  ExpectUsageError(RunQforge("quantize " + ckpt + " --auto-mixed --raise-to int8 --out " + Out("x.qfm"), dir_), "--raise-to takes");
  // In an int16x8 model layers are raised to float by default.
  const json search16 = Json("quantize " + ckpt + " --mode int16x8 --auto-mixed --auto-samples 60 " + Data() + " --out " +
                             Out("auto16.qfm")).at("auto_mixed");
  for (const json& p : search16.at("points"))
    EXPECT_EQ(p.at("label").get<std::string>().find("int16x8"), std::string::npos) << p.dump();
  ExpectUsageError(RunQforge("quantize " + ckpt + " --mode float --auto-mixed --out " + Out("x.qfm"), dir_), "--auto-mixed needs");
  ExpectUsageError(RunQforge("quantize " + ckpt + " --adaround --bias-correction --out " + Out("x.qfm"), dir_), "not both");
  ExpectUsageError(RunQforge("quantize " + ckpt + " --mode dynamic --equalize --out " + Out("x.qfm"), dir_),
                   "need --mode int8 or int16x8, not dynamic");
  ExpectUsageError(RunQforge("quantize " + ckpt + " --weight-bits 9 --out " + Out("x.qfm"), dir_), "weight-bits");
  ExpectUsageError(RunQforge("quantize " + ckpt + " --adaround-iters 0 --out " + Out("x.qfm"), dir_), "adaround-iters");

  const json qat = Json("train --init " + ckpt + " --qat --keep-float conv2 --epochs 1 --lr 1e-4 " + Data() + " --out " +
                        Out("qat/model.ckpt"));
  EXPECT_GE(qat.at("agreement").get<double>(), 0.95);
  EXPECT_NEAR(qat.at("int8_accuracy").get<double>(), qat.at("qat_sim_accuracy").get<double>(), 0.02);
  Json("convert " + Out("qat") + "/model.ckpt --out " + Out("qat.qfm"));
  EXPECT_NE(RunQforge("inspect " + Out("qat.qfm"), dir_).out.find("\"float_layers\":[\"conv2\",\"flatten1\",\"maxpool2\"]"), std::string::npos);
}

// Raw pixels are what users have: a uint8 array gets the model's stored preprocessing (float
// and --int8-io inputs alike) and the very outputs `run --data` gives; preprocessed floats run as
// they are; raw pixels as floats, other integer types and NCHW arrays are refused, naming what
// the model expects.
TEST_F(DeployCli, RawPixelsGetTheStoredPreprocessing) {
  const std::string ckpt = TrainLenet5();
  // The first 60 test images as stored (IDX: 16 header bytes, then the pixels).
  gzFile gz = gzopen(Out("data/t10k-images-idx3-ubyte.gz").c_str(), "rb");
  std::vector<uint8_t> idx(16 + 60 * 784);
  ASSERT_EQ(gzread(gz, idx.data(), static_cast<unsigned>(idx.size())), static_cast<int>(idx.size()));
  gzclose(gz);
  const std::vector<uint8_t> pixels(idx.begin() + 16, idx.end());
  const auto write = [&](const std::string& name, const qforge::NpyArray& a) {
    const std::vector<uint8_t> bytes = qforge::SerializeNpy(a);
    std::ofstream(Out(name), std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return Out(name);
  };
  const std::string raw = write("raw.npy", {qforge::NpyType::kUInt8, {60, 28, 28, 1}, pixels});
  const auto arrays = [](const std::string& path) {
    std::map<std::string, qforge::NpyArray> by_name;
    auto read = qforge::ReadArrays(path);
    EXPECT_TRUE(read.ok()) << path;
    if (read.ok())
      for (qforge::NamedArray& a : *read) by_name[a.name] = std::move(a.array);
    return by_name;
  };
  for (const std::string extra : {"", " --int8-io"}) {
    SCOPED_TRACE(extra);
    ASSERT_EQ(RunQforge("quantize " + ckpt + " --mode int8" + extra + " " + Data() + " --out " + Out("m.qfm"), dir_).exit_code, 0);
    ASSERT_EQ(RunQforge("run " + Out("m.qfm") + " " + Data() + " --limit 60 --out " + Out("ref.npz"), dir_).exit_code, 0);
    ASSERT_EQ(RunQforge("run " + Out("m.qfm") + " --input " + raw + " --out " + Out("from_raw.npz"), dir_).exit_code, 0);
    auto ref = arrays(Out("ref.npz")), got = arrays(Out("from_raw.npz"));
    ASSERT_EQ(got.size(), 1u);
    const std::string output = got.begin()->first;
    ASSERT_TRUE(ref.count(output));
    EXPECT_EQ(got[output].shape, ref[output].shape);
    EXPECT_TRUE(got[output].data == ref[output].data) << "raw pixels gave other outputs than the test split";
    if (!extra.empty()) continue;
    // The preprocessed inputs `run --data` fed, given back as floats: the same outputs.
    std::string input;
    for (const auto& [name, array] : ref)
      if (name != output && name != "label") input = name;
    ASSERT_EQ(ref[input].type, qforge::NpyType::kFloat32);
    const std::string floats = write("preprocessed.npy", ref[input]);
    ASSERT_EQ(RunQforge("run " + Out("m.qfm") + " --input " + floats + " --out " + Out("from_floats.npz"), dir_).exit_code, 0);
    EXPECT_TRUE(arrays(Out("from_floats.npz"))[output].data == ref[output].data);
    // Raw pixels as floats: refused, not run.
    qforge::NpyArray as_float{qforge::NpyType::kFloat32, {60, 28, 28, 1}, std::vector<uint8_t>(60 * 784 * 4)};
    for (size_t i = 0; i < pixels.size(); ++i) {
      const float v = pixels[i];
      std::memcpy(as_float.data.data() + 4 * i, &v, 4);
    }
    ExpectFailure(RunQforge("run " + Out("m.qfm") + " --input " + write("pixels_f32.npy", as_float) + " --out " +
                                Out("o.npz"), dir_),
                  "float arrays are taken as preprocessed inputs; give raw pixels as uint8");
    qforge::NpyArray as_int16{qforge::NpyType::kInt16, {60, 28, 28, 1}, std::vector<uint8_t>(60 * 784 * 2)};
    for (size_t i = 0; i < pixels.size(); ++i) as_int16.data[2 * i] = pixels[i];
    ExpectFailure(RunQforge("run " + Out("m.qfm") + " --input " + write("pixels_i16.npy", as_int16) + " --out " +
                                Out("o.npz"), dir_),
                  "int16 values for the image input");
    ExpectFailure(RunQforge("run " + Out("m.qfm") + " --input " +
                                write("nchw.npy", {qforge::NpyType::kUInt8, {60, 1, 28, 28}, pixels}) + " --out " +
                                Out("o.npz"), dir_),
                  "looks NCHW");
  }
}

TEST_F(DeployCli, BadInputGivesOneErrorLine) {
  const std::string ckpt = TrainLenet5();
  ExpectUsageError(RunQforge("quantize " + ckpt + " --mode int4 --out " + Out("x.qfm") + " " + Data(), dir_), "unknown mode 'int4'");
  ExpectUsageError(RunQforge("quantize " + ckpt + " --calib-method entropy --out " + Out("x.qfm") + " " + Data(), dir_),
                   "unknown calibration method");
  ExpectUsageError(RunQforge("quantize " + ckpt + " --calib-samples 0 --out " + Out("x.qfm") + " " + Data(), dir_), "calib-samples");
  ExpectUsageError(RunQforge("quantize " + ckpt + " --mode float --int8-io --out " + Out("x.qfm"), dir_), "--int8-io needs");
  ExpectFailure(RunQforge("quantize " + Out("missing.ckpt") + " --out " + Out("x.qfm") + " " + Data(), dir_), "missing.ckpt");
  ExpectUsageError(RunQforge("quantize " + ckpt + " " + Data(), dir_), "--out");

  ASSERT_EQ(RunQforge("quantize " + ckpt + " --mode int8 --int8-io " + Data() + " --out " + Out("m.qfm"), dir_).exit_code, 0);
  std::ifstream in(Out("m.qfm"), std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(Out("truncated.qfm"), std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  ExpectFailure(RunQforge("eval " + Out("truncated.qfm") + " " + Data(), dir_), "truncated.qfm: corrupt or truncated model");
  ExpectFailure(RunQforge("inspect " + Out("truncated.qfm"), dir_), "corrupt or truncated");
  ExpectFailure(RunQforge("inspect " + ckpt, dir_), "not a .qfm model");
  ExpectFailure(RunQforge("inspect " + Out("nothing.qfm"), dir_), "cannot open");

  WriteNpy(Out("wrong.npy"), {2, 28, 28}, std::vector<float>(2 * 784, 0.0f));
  ExpectFailure(RunQforge("run " + Out("m.qfm") + " --input " + Out("wrong.npy") + " --out " + Out("o.npy"), dir_),
                   "does not match the model input 'image' [N, 28, 28, 1]");
  WriteNpy(Out("fraction.npy"), {1, 28, 28, 1}, std::vector<float>(784, 0.5f));
  ExpectFailure(RunQforge("run " + Out("m.qfm") + " --input " + Out("fraction.npy") + " --out " + Out("o.npy"), dir_),
                   "not a INT8 value");
  ExpectFailure(RunQforge("run " + Out("m.qfm") + " --input " + Out("none.npy") + " --out " + Out("o.npy"), dir_),
                   "none.npy");
}

}  // namespace
