// ModelCore: training, evaluation and prediction of a qforge.Model from NumPy arrays, with the
// steps `qforge train` takes in the same order (so a fit and a command with the same seed and
// options train the same weights).
#include "bindings/model_core.h"

#include <pybind11/stl.h>

#include <chrono>
#include <cmath>

#include "bindings/arrays.h"
#include "bindings/errors.h"
#include "bindings/modules.h"
#include "bindings/threads.h"
#include "quant/qat.h"
#include "quant/qat_export.h"
#include "train/executor.h"
#include "train/trainer.h"
#include "workflow/model_files.h"
#include "workflow/model_input.h"
#include "workflow/weight_hooks.h"

namespace py = pybind11;

namespace qforge::python {
namespace {

// Calls Python's progress callback — with the GIL, at most every 0.1 s and at each epoch's
// last batch — and lets Ctrl-C (or an exception in the callback) stop training.
class PythonProgress : public ProgressReporter {
 public:
  explicit PythonProgress(py::object callback) : callback_(std::move(callback)) {}

  void OnBatch(int epoch, int epochs, int64_t batch, int64_t num_batches, double loss, double accuracy,
               double images_per_second, double elapsed_seconds) override {
    const auto now = std::chrono::steady_clock::now();
    if (batch != num_batches && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    if (!callback_.is_none())
      callback_("batch", py::dict(py::arg("epoch") = epoch, py::arg("epochs") = epochs, py::arg("batch") = batch,
                                  py::arg("batches") = num_batches, py::arg("loss") = loss,
                                  py::arg("accuracy") = accuracy, py::arg("images_per_second") = images_per_second,
                                  py::arg("seconds") = elapsed_seconds));
  }

  bool OnEpoch(const EpochMetrics& m, int epochs) override {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    if (!callback_.is_none())
      callback_("epoch", py::dict(py::arg("epoch") = m.epoch, py::arg("epochs") = epochs,
                                  py::arg("loss") = m.train_loss, py::arg("accuracy") = m.train_accuracy,
                                  py::arg("val_loss") = m.test_loss, py::arg("val_accuracy") = m.test_accuracy,
                                  py::arg("images_per_second") = m.images_per_second, py::arg("seconds") = m.seconds));
    return true;
  }

 private:
  py::object callback_;
  std::chrono::steady_clock::time_point last_{};
};

template <typename T>
T Get(const nlohmann::json& options, const char* key, T fallback) {
  if (!options.contains(key) || options[key].is_null()) return fallback;
  try {
    return options[key].get<T>();
  } catch (const nlohmann::json::exception&) {
    ThrowInvalid("fit: option {} has the wrong type ({})", key, options[key].dump());
  }
}

// The fit's training options: the model's recipe where `options` says nothing.
TrainOptions FitOptions(const nlohmann::json& o, const Recipe& recipe) {
  TrainOptions t;
  t.epochs = Get<int>(o, "epochs", 1);
  t.batch = Get<int64_t>(o, "batch_size", recipe.batch);
  const nlohmann::json optimizer = o.value("optimizer", nlohmann::json::object());
  t.optimizer.type = Get<std::string>(optimizer, "type", recipe.optimizer);
  t.optimizer.momentum = Get<float>(optimizer, "momentum", 0.9f);
  t.optimizer.nesterov = Get<bool>(optimizer, "nesterov", false);
  t.optimizer.weight_decay = Get<float>(optimizer, "weight_decay", recipe.weight_decay);
  t.schedule.base_lr = Get<float>(optimizer, "lr", recipe.lr);
  t.schedule.type = Get<std::string>(o, "schedule", recipe.schedule);
  t.schedule.warmup_steps = Get<int64_t>(o, "warmup", recipe.warmup_steps);
  t.seed = Get<uint64_t>(o, "seed", 1);
  t.augment.crop_padding = Get<int64_t>(o, "augment_crop", 0);
  t.augment.horizontal_flip = Get<bool>(o, "augment_flip", false);
  t.backend = Get<bool>(o, "reference", false) ? Backend::kReference : Backend::kFast;
  if (t.epochs < 1 || t.epochs > 100000) ThrowInvalid("fit: epochs must be in 1..100000, not {}", t.epochs);
  if (t.batch < 1 || t.batch > 1 << 20) ThrowInvalid("fit: batch_size must be in 1..{}, not {}", 1 << 20, t.batch);
  if (!(t.schedule.base_lr > 0) || !std::isfinite(t.schedule.base_lr))
    ThrowInvalid("fit: the learning rate must be finite and > 0, not {}", t.schedule.base_lr);
  if (t.augment.crop_padding < 0 || t.augment.crop_padding > 16)
    ThrowInvalid("fit: augment_crop must be in 0..16, not {}", t.augment.crop_padding);
  if (t.schedule.warmup_steps < 0) ThrowInvalid("fit: warmup must be >= 0, not {}", t.schedule.warmup_steps);
  return t;
}

}  // namespace

nlohmann::json ParseOptions(const std::string& text, const char* what) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) ThrowInvalid("{}: expected a JSON object", what);
  return j;
}

// Pruning options as stored for a run of `total_steps` steps: a missing or negative end becomes
// the command line's default (total_steps 0: the earliest valid end, to check the rest early).
static nlohmann::json ResolvedPruning(nlohmann::json options, int64_t total_steps) {
  const int64_t begin = options.value("begin", int64_t{0});
  options["end"] = PruneEndStep(begin, options.value("end", int64_t{-1}), total_steps);
  return options;
}

ModelCore::Busy::Busy(const ModelCore& model) : model_(model) {
  if (model_.busy_.exchange(true))
    throw StatusError(Status(StatusCode::kFailedPrecondition,
                             "the model is busy with another call (fit, predict, evaluate, ...): use one model per "
                             "thread (model.copy()), and no calls on the model from fit's callback"));
}

ModelCore::Busy::~Busy() { model_.busy_ = false; }

Graph CopyGraph(const Graph& graph) {
  Graph copy = ValueOrThrow(Graph::FromJson(graph.ToJson()));
  for (size_t i = 0; i < graph.params().size(); ++i) copy.params()[i].tensor = graph.params()[i].tensor;
  return copy;
}

ModelCore::ModelCore(Checkpoint run, bool fresh) : run_(std::move(run)), fresh_(fresh) {
  if (const ZooModel* zoo = FindZooModel(run_.meta.model_name)) recipe_ = zoo->recipe;
}

std::unique_ptr<ModelCore> ModelCore::FromZoo(const std::string& name, uint64_t seed) {
  const ZooModel* zoo = FindZooModel(name);
  if (!zoo) ThrowInvalid("unknown zoo model '{}' (one of: {})", name, ZooModelNames());
  Checkpoint run;
  run.graph = ValueOrThrow(zoo->build(seed));
  run.meta.model_name = zoo->name;
  return std::make_unique<ModelCore>(std::move(run), /*fresh=*/true);
}

std::unique_ptr<ModelCore> ModelCore::Load(const std::string& path) {
  Checkpoint run;
  {
    py::gil_scoped_release released;
    run = ValueOrThrow(LoadModelFile(path));
  }
  return std::make_unique<ModelCore>(std::move(run), /*fresh=*/false);
}

std::unique_ptr<ModelCore> ModelCore::Copy() const {
  Busy busy(*this);
  Checkpoint run;
  run.graph = CopyGraph(run_.graph);
  run.meta = run_.meta;
  run.optimizer_state = run_.optimizer_state;
  run.optimizer_steps = run_.optimizer_steps;
  auto copy = std::make_unique<ModelCore>(std::move(run), fresh_);
  copy->recipe_ = recipe_;
  copy->pruning_ = pruning_;
  copy->clustering_ = clustering_;
  if (clusterer_) copy->clusterer_ = std::make_shared<cluster::Clusterer>(*clusterer_);
  return copy;
}

std::unique_ptr<ModelCore> ModelCore::NewRun(Graph graph, nlohmann::json train_state) const {
  Checkpoint run;
  run.graph = std::move(graph);
  run.meta = run_.meta;
  run.meta.train_state = std::move(train_state);
  auto model = std::make_unique<ModelCore>(std::move(run), fresh_);
  model->recipe_ = recipe_;
  model->pruning_ = pruning_;
  return model;
}

void ModelCore::Save(const std::string& path) const {
  if (!path.ends_with(".ckpt")) ThrowInvalid("save: a model is saved as a checkpoint, a path ending in .ckpt, not '{}'", path);
  Busy busy(*this);
  py::gil_scoped_release released;
  ThrowIfError(SaveCheckpoint(path, run_.graph, run_.meta, run_.optimizer_state, run_.optimizer_steps));
}

void ModelCore::StartNewRun() {
  run_.optimizer_state.clear();
  run_.optimizer_steps = 0;
  run_.meta.train_state = nlohmann::json::object();
}

void ModelCore::SetPruning(const nlohmann::json& options) {
  if (clustering_ != nullptr && !options.value("keep_sparsity", false))
    ThrowInvalid("prune_low_magnitude: the model is clustered; prune first, then cluster");
  const sparsity::PruneOptions o = ValueOrThrow(PruneOptionsFromJson(ResolvedPruning(options, 0)));
  ValueOrThrow(sparsity::Pruner::Create(run_.graph, o, 0));  // names, patterns and shapes checked now
  pruning_ = options;
  StartNewRun();
}

void ModelCore::SetClustering(const nlohmann::json& options) {
  const cluster::ClusterOptions o = ValueOrThrow(ClusterOptionsFromJson(options, Get<uint64_t>(options, "seed", 1)));
  Busy busy(*this);
  py::gil_scoped_release released;
  ApplyRequestedThreads();
  clusterer_ = std::make_shared<cluster::Clusterer>(ValueOrThrow(cluster::Clusterer::Create(run_.graph, o)));
  clusterer_->BeforeStep(run_.graph);  // the weights take their shared values now
  clustering_ = options;
  pruning_ = nullptr;
  StartNewRun();
}

nlohmann::json ModelCore::WeightReport() const {
  nlohmann::json report = SparsityJson(run_.graph);
  if (clusterer_) report.update(ClusterJson(*clusterer_, run_.graph));
  return report;
}

nlohmann::json ModelCore::Fit(const py::object& x, const py::object& y, const py::object& x_val,
                              const py::object& y_val, const nlohmann::json& options, const py::object& progress) {
  Busy busy(*this);
  TrainOptions t = FitOptions(options, recipe_);
  const InputSpec spec = ValueOrThrow(ModelInputSpec(run_, "the model"));
  const TrainTestData data =
      TrainingDataFromNumpy(x, y, x_val, y_val, ParseLayout(Get<std::string>(options, "layout", "auto")), spec, "fit");
  ThrowIfError(RequireLabels(data.train, "training"));
  if (!x_val.is_none()) ThrowIfError(RequireLabels(data.test, "validation"));
  Checkpoint& run = run_;
  if (fresh_) {  // a new run: normalized by its training data, as `qforge train` does
    const Preprocess measured = ComputeNormalization(data.train);
    run.meta.preprocess.scale = measured.scale;
    run.meta.preprocess.mean = measured.mean;
    run.meta.preprocess.std = measured.std;
    fresh_ = false;  // fixed now, even if training stops early: the weights it trains rely on it
  }
  if (run.meta.class_names.empty()) run.meta.class_names = data.train.class_names;
  run.meta.train_state["epochs_done"] = 0;  // every fit is a run of its own epochs

  if (quant::IsQatGraph(run.graph)) {
    const int64_t freeze_bn = Get<int64_t>(options, "freeze_bn_step", -1);
    const int64_t freeze_observers = Get<int64_t>(options, "freeze_observers_step", -1);
    t.before_step = [freeze_bn, freeze_observers](int64_t step, Graph& graph) {
      if (freeze_bn >= 0 && step >= freeze_bn) quant::FreezeBatchNorm(graph);
      if (freeze_observers >= 0 && step >= freeze_observers) quant::FreezeObservers(graph);
    };
  }
  const int64_t total_steps = (data.train.count + t.batch - 1) / t.batch * t.epochs;
  if (pruning_ != nullptr) {
    const nlohmann::json stored = ResolvedPruning(pruning_, total_steps);
    const sparsity::PruneOptions o = ValueOrThrow(PruneOptionsFromJson(stored));
    ValueOrThrow(AttachPruner(o, run, 0, t));
    run.meta.train_state["pruning"] = stored;
  }
  if (clusterer_) {
    std::shared_ptr<cluster::Clusterer> clusterer = clusterer_;
    AppendStepHooks(
        t, [clusterer](int64_t, Graph& graph) { clusterer->BeforeStep(graph); },
        [clusterer](int64_t, Graph& graph) { clusterer->AfterStep(graph); });
    run.meta.train_state["clustering"] = clustering_;
  }
  PythonProgress reporter(progress);
  std::vector<EpochMetrics> history;
  {
    py::gil_scoped_release released;
    ApplyRequestedThreads();
    history = ValueOrThrow(Train(run, data, t, &reporter));
  }
  nlohmann::json epochs = nlohmann::json::array();
  for (const EpochMetrics& m : history)
    epochs.push_back({{"loss", m.train_loss}, {"accuracy", m.train_accuracy},
                      {"val_loss", std::isnan(m.test_loss) ? nlohmann::json() : nlohmann::json(m.test_loss)},
                      {"val_accuracy", std::isnan(m.test_accuracy) ? nlohmann::json() : nlohmann::json(m.test_accuracy)},
                      {"images_per_second", m.images_per_second}, {"seconds", m.seconds}});
  return epochs;
}

nlohmann::json ModelCore::Evaluate(const py::object& x, const py::object& y, int64_t batch, const std::string& layout) {
  if (batch < 1 || batch > 1 << 20) ThrowInvalid("evaluate: batch_size must be in 1..{}, not {}", 1 << 20, batch);
  Busy busy(*this);
  const InputSpec spec = ValueOrThrow(ModelInputSpec(run_, "the model"));
  ImageDataset data = ImagesFromNumpy(x, y, ParseLayout(layout), spec, "evaluate");
  ThrowIfError(RequireLabels(data, "evaluate"));
  EvalResult r;
  {
    py::gil_scoped_release released;
    ApplyRequestedThreads();
    r = ValueOrThrow(qforge::Evaluate(run_.graph, data, run_.meta.preprocess, batch, Backend::kFast));
  }
  return {{"accuracy", r.accuracy}, {"loss", r.loss}, {"count", r.count}};
}

py::array_t<float> ModelCore::Predict(const py::object& x, int64_t batch, const std::string& layout) {
  if (batch < 1 || batch > 1 << 20) ThrowInvalid("predict: batch_size must be in 1..{}, not {}", 1 << 20, batch);
  Busy busy(*this);
  const InputSpec spec = ValueOrThrow(ModelInputSpec(run_, "the model"));
  const ImageDataset data = ImagesFromNumpy(x, py::none(), ParseLayout(layout), spec, "predict");
  const Shape& out_shape = run_.graph.values()[run_.graph.outputs()[0]].shape;
  int64_t per_example = 1;
  for (size_t i = 1; i < out_shape.size(); ++i) per_example *= out_shape[i];
  py::array_t<float> out({static_cast<py::ssize_t>(data.count), static_cast<py::ssize_t>(per_example)});
  float* dst = out.mutable_data();
  {
    py::gil_scoped_release released;
    ApplyRequestedThreads();
    Executor exec(&run_.graph, Backend::kFast);
    BatchIterator it(data, run_.meta.preprocess, batch, /*shuffle=*/false, 0);
    Tensor images;
    std::vector<int32_t> unused_labels;
    while (it.Next(&images, &unused_labels)) {
      ThrowIfError(exec.Forward({&images}, /*training=*/false));
      const Tensor& y = exec.value(run_.graph.outputs()[0]);
      dst = std::copy(y.data(), y.data() + y.size(), dst);
    }
  }
  return out;
}

}  // namespace qforge::python
