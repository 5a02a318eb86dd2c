// `qforge compress IN.qfm --out OUT.qfm`: codes a model's int8 weights (codebook + indices,
// sparse gaps, Huffman; convert/compress.h), reports the bytes by part, the ratio to the
// parameters in float32, how fast the runtime decodes the file at load, and with --eval the
// coded model's test accuracy on the runtime.
#include <fmt/format.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/data_flags.h"
#include "convert/compress.h"
#include "convert/evaluate.h"
#include "convert/model_bytes.h"
#include "data/file_bytes.h"

namespace qforge::cli {
namespace {

struct CompressFlags {
  std::string model, out;
  bool no_sparse = false, no_huffman = false, eval = false, json = false;
  int64_t batch = kDefaultBatch;
  int threads = 0;
  DataFlags data;
};

struct DecodeSpeed {
  double seconds_per_load = 0.0, mb_per_s = 0.0;
  size_t decoded_bytes = 0;
};

// Loads the written file repeatedly (at least 0.2 s, at least 3 times): decoding time per load.
StatusOr<DecodeSpeed> MeasureDecoding(const std::string& path) {
  DecodeSpeed d;
  double total = 0.0;
  int loads = 0;
  const auto start = std::chrono::steady_clock::now();
  while (loads < 3 || std::chrono::steady_clock::now() - start < std::chrono::milliseconds(200)) {
    QF_ASSIGN_OR_RETURN(const std::shared_ptr<const runtime::Model> m, runtime::Model::Load(path));
    total += m->decode_stats().seconds;
    d.decoded_bytes = m->decode_stats().decoded_bytes;
    ++loads;
  }
  d.seconds_per_load = total / loads;
  d.mb_per_s = d.seconds_per_load > 0 ? d.decoded_bytes / d.seconds_per_load / 1e6 : 0.0;
  return d;
}

Status RunCompress(const CompressFlags& f) {
  QF_ASSIGN_OR_RETURN(const std::shared_ptr<const runtime::Model> in, runtime::Model::Load(f.model));
  convert::CodingOptions o;
  o.sparse = !f.no_sparse;
  o.huffman = !f.no_huffman;
  QF_ASSIGN_OR_RETURN(const convert::CompressResult r, convert::CompressQfm(*in, o));
  QF_RETURN_IF_ERROR(WriteFileAtomically(f.out, r.bytes));
  QF_ASSIGN_OR_RETURN(const std::shared_ptr<const runtime::Model> out, runtime::Model::Load(f.out));
  const convert::ModelBytes bytes = convert::MeasureModelBytes(*out);
  QF_ASSIGN_OR_RETURN(const DecodeSpeed decode, MeasureDecoding(f.out));
  double accuracy = -1.0;
  if (f.eval) {
    QF_ASSIGN_OR_RETURN(const InputSpec spec, ModelInputSpec(out, f.out));
    QF_ASSIGN_OR_RETURN(TrainTestData data, f.data.Load(spec));
    QF_RETURN_IF_ERROR(RequireLabels(data.test, "evaluation"));
    QF_ASSIGN_OR_RETURN(const convert::QfmEvalResult e, convert::EvaluateQfm(out, f.out, data.test, static_cast<int>(f.batch),
                                                                             ResolveThreads(f.threads)));
    accuracy = e.accuracy;
  }
  if (f.json) {
    nlohmann::json j{{"out", f.out},
                     {"input_bytes", in->size_bytes()},
                     {"model_bytes", bytes.total},
                     {"compression_ratio", bytes.compression_ratio()},
                     {"coded_buffers", r.coded_buffers},
                     {"bytes_by_part", convert::ToJson(bytes)},
                     {"decode", {{"decoded_bytes", decode.decoded_bytes},
                                 {"seconds_per_load", decode.seconds_per_load},
                                 {"mb_per_s", decode.mb_per_s}}}};
    if (f.eval) j["accuracy"] = accuracy;
    fmt::print("{}\n", j.dump());
    return Status::Ok();
  }
  fmt::print("{}: {} bytes ({} coded buffers), {:.2f}x smaller than the input's {} bytes, {:.1f}x smaller than its {} "
             "parameters in float32\n  {}\n  decoding at load: {:.3f} ms for {} bytes ({:.0f} MB/s)\n",
             f.out, bytes.total, r.coded_buffers, static_cast<double>(in->size_bytes()) / bytes.total, in->size_bytes(),
             bytes.compression_ratio(), bytes.parameters, convert::PartsText(bytes), decode.seconds_per_load * 1e3,
             decode.decoded_bytes, decode.mb_per_s);
  if (f.eval) fmt::print("  accuracy {:.4f} on the test set (qforge runtime)\n", accuracy);
  return Status::Ok();
}

}  // namespace

Command AddCompressCommand(CLI::App& app) {
  auto f = std::make_shared<CompressFlags>();
  auto* cmd = app.add_subcommand("compress", "code a .qfm model's int8 weights (codebook, sparse indices, Huffman)");
  cmd->add_option("model", f->model, "runtime model (.qfm), e.g. from `qforge quantize --mode int8`")->required();
  AddOutFlag(*cmd, &f->out, "the coded model file to write (.qfm)")->required();
  cmd->add_flag("--no-sparse", f->no_sparse, "code every weight (no gap streams)");
  cmd->add_flag("--no-huffman", f->no_huffman, "bit-pack the streams only");
  cmd->add_flag("--eval", f->eval, "evaluate the coded model on the test set");
  AddBatchFlag(*cmd, &f->batch, "--eval: images per inference (default 64)");
  AddThreadsFlag(*cmd, &f->threads);
  f->data.Register(*cmd);
  AddJsonFlag(*cmd, &f->json);
  SetExamples(*cmd, {"qforge compress clustered.qfm --out coded.qfm", "qforge compress clustered.qfm --out coded.qfm --eval --json",
                     "qforge compress int8.qfm --out coded.qfm --no-huffman"});
  return {nullptr, [f] { return RunCompress(*f); }};
}

}  // namespace qforge::cli
