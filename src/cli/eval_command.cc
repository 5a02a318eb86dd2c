// `qforge eval FILE...`: test-set accuracy of checkpoints (the training engine runs them) and
// .qfm models (the qforge runtime runs them); the preprocessing travels with either file.
// Several files give a comparison table (accuracy, size, size relative to the first float
// .qfm).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "workflow/model_files.h"
#include "cli/data_flags.h"
#include "convert/evaluate.h"
#include "core/threading.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

namespace qforge::cli {
namespace {

struct EvalFlags {
  std::vector<std::string> models;
  DataFlags data;
  int64_t batch = kDefaultBatch;
  int threads = 0;
  bool json = false;
};

struct EvalRow {
  std::string path, format;  // format: "checkpoint" or the .qfm mode
  double accuracy = 0.0;
  int64_t bytes = 0;
  std::string line;          // the one-model report
  nlohmann::json json;
};

// The test split fitted to a model's input; consecutive models with the same input share it.
class TestData {
 public:
  explicit TestData(const DataFlags& flags) : flags_(flags) {}
  StatusOr<const ImageDataset*> For(const InputSpec& spec) {
    if (!loaded_ || spec.channels != spec_.channels || spec.height != spec_.height || spec.width != spec_.width ||
        spec.resize != spec_.resize) {
      QF_ASSIGN_OR_RETURN(TrainTestData data, flags_.Load(spec));
      QF_RETURN_IF_ERROR(RequireLabels(data.test, "evaluation"));
      test_ = std::move(data.test);
      spec_ = spec;
      loaded_ = true;
    }
    return &test_;
  }

 private:
  const DataFlags& flags_;
  bool loaded_ = false;
  InputSpec spec_;
  ImageDataset test_;
};

StatusOr<EvalRow> EvalQfm(const std::string& path, TestData& data, const EvalFlags& f) {
  QF_ASSIGN_OR_RETURN(std::shared_ptr<const runtime::Model> model, runtime::Model::Load(path));
  QF_ASSIGN_OR_RETURN(const convert::QfmMetadata meta, convert::ReadMetadata(*model, path));
  QF_ASSIGN_OR_RETURN(const InputSpec spec, ModelInputSpec(model, path));
  QF_ASSIGN_OR_RETURN(const ImageDataset* test, data.For(spec));
  QF_ASSIGN_OR_RETURN(const convert::QfmEvalResult r,
                      convert::EvaluateQfm(model, path, *test, static_cast<int>(f.batch), ResolveThreads(f.threads)));
  EvalRow row;
  row.path = path;
  row.format = meta.json.value("mode", std::string("?"));
  row.accuracy = r.accuracy;
  row.bytes = static_cast<int64_t>(model->size_bytes());
  row.json = {{"model", meta.json.value("model", std::string())}, {"file", path}, {"mode", row.format},
              {"accuracy", r.accuracy}, {"count", r.count}, {"model_bytes", row.bytes}};
  row.line = fmt::format("{}: accuracy {:.4f} on {} test images ({} model, {} bytes, qforge runtime)", path,
                         r.accuracy, r.count, row.format, row.bytes);
  return row;
}

StatusOr<EvalRow> EvalCheckpoint(const std::string& path, TestData& data, const EvalFlags& f) {
  SetNumThreads(f.threads);
  QF_ASSIGN_OR_RETURN(Checkpoint ck, LoadModelFile(path));
  QF_ASSIGN_OR_RETURN(const InputSpec spec, ModelInputSpec(ck, path));
  QF_ASSIGN_OR_RETURN(const ImageDataset* test, data.For(spec));
  QF_ASSIGN_OR_RETURN(EvalResult r, Evaluate(ck.graph, *test, ck.meta.preprocess, f.batch, Backend::kFast));
  EvalRow row;
  row.path = path;
  row.format = "checkpoint";
  row.accuracy = r.accuracy;
  row.bytes = static_cast<int64_t>(std::filesystem::file_size(path));
  row.json = {{"model", ck.meta.model_name}, {"file", path}, {"accuracy", r.accuracy}, {"loss", r.loss},
              {"count", r.count}, {"model_bytes", row.bytes}};
  row.line = fmt::format("{}: accuracy {:.4f} (loss {:.4f}) on {} test images", path, r.accuracy, r.loss, r.count);
  return row;
}

void PrintTable(const std::vector<EvalRow>& rows) {
  int64_t float_bytes = 0;
  for (const EvalRow& r : rows)
    if (r.format == "float" && !float_bytes) float_bytes = r.bytes;
  size_t width = 5;
  for (const EvalRow& r : rows) width = std::max(width, r.path.size());
  fmt::print("{:<{}}  {:<10}  {:>8}  {:>11}  {:>8}\n", "model", width, "format", "accuracy", "bytes", "vs float");
  for (const EvalRow& r : rows) {
    const std::string ratio =
        float_bytes && r.format != "checkpoint" ? fmt::format("{:.3f}x", static_cast<double>(r.bytes) / float_bytes) : "";
    fmt::print("{:<{}}  {:<10}  {:>8.4f}  {:>11}  {:>8}\n", r.path, width, r.format, r.accuracy, r.bytes, ratio);
  }
}

Status RunEval(const EvalFlags& f) {
  TestData data(f.data);
  std::vector<EvalRow> rows;
  nlohmann::json models = nlohmann::json::array();
  for (const std::string& path : f.models) {
    QF_ASSIGN_OR_RETURN(EvalRow row, IsQfmFile(path) ? EvalQfm(path, data, f) : EvalCheckpoint(path, data, f));
    models.push_back(row.json);
    rows.push_back(std::move(row));
  }
  if (f.json) {
    fmt::print("{}\n", nlohmann::json{{"models", models}}.dump());
    return Status::Ok();
  }
  if (rows.size() == 1) {
    fmt::print("{}\n", rows[0].line);
  } else {
    PrintTable(rows);
  }
  return Status::Ok();
}

}  // namespace

Command AddEvalCommand(CLI::App& app) {
  auto f = std::make_shared<EvalFlags>();
  auto* cmd = app.add_subcommand("eval", "evaluate checkpoints or .qfm models on the test set");
  cmd->add_option("model", f->models, "checkpoints (.ckpt), ONNX models (.onnx) and/or runtime models (.qfm)")->required();
  f->data.Register(*cmd);
  AddBatchFlag(*cmd, &f->batch, "images per inference (default 64)");
  AddThreadsFlag(*cmd, &f->threads);
  AddJsonFlag(*cmd, &f->json);
  SetExamples(*cmd, {"qforge eval runs/lenet5/model.ckpt", "qforge eval runs/lenet5/model.ckpt float.qfm int8.qfm",
                     "qforge eval int8.qfm --data-dir my-mnist-style-data --json",
                     "qforge eval model.ckpt int8.qfm --data my-images/"});
  return {nullptr, [f] { return RunEval(*f); }};
}

}  // namespace qforge::cli
