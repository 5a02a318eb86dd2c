// `qforge run FILE.qfm --input [NAME=]ARRAYS ... --out OUT.npz|OUT.npy`: runs a runtime model on
// a batch. Inputs are given by name (NAME=x.npy), as one .npz holding arrays named after the
// model's inputs, or as a bare .npy for a one-input model. Each array is [N, ...the input's
// shape without its batch dimension...] (NHWC for images). For an image model whose metadata
// stores its preprocessing, a uint8 array is raw pixels, preprocessed as stored (and quantized
// for an --int8-io input), and a float array is preprocessed values, refused outside the range
// the preprocessing gives; otherwise a float input takes any values (converted to float32) and
// an integer input takes integers in its type's range. Every output is written with its own type: an .npz holds all of
// them by name, an .npy the only one. `--data SPEC` instead runs the model over a data set's test
// split, preprocessed as its metadata says, and writes the inputs it was given and the labels
// beside the outputs (how exported models are checked against the runtime).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/data_flags.h"
#include "convert/evaluate.h"
#include "data/file_bytes.h"
#include "data/npz.h"
#include "runtime/interpreter.h"
#include "runtime/quant_math.h"

namespace qforge::cli {
namespace {

struct RunFlags {
  std::string model, out;
  std::vector<std::string> inputs;  // "NAME=PATH" or "PATH"
  DataFlags data;
  bool data_given = false;
  int64_t limit = 0;  // --data: the first `limit` test samples (0: all)
  int threads = 0;
  bool json = false;
};

using runtime::RuntimeTensor;

Status CheckRun(const RunFlags& f) {
  if (f.inputs.empty() == !f.data_given)
    return InvalidArgument("give the model's inputs as --input arrays, or --data to run it over a data set's test split");
  if (f.limit < 0) return InvalidArgument("--limit must be 0 (all) or a positive count, not {}", f.limit);
  if (f.limit > 0 && !f.data_given) return InvalidArgument("--limit counts test samples of --data");
  if (f.data_given && !f.out.ends_with(".npz"))
    return InvalidArgument("--data writes inputs, outputs and labels: --out must name an .npz file, not '{}'", f.out);
  if (!f.out.ends_with(".npz") && !f.out.ends_with(".npy"))
    return InvalidArgument("--out must name an .npz (every output) or an .npy file (a one-output model), not '{}'", f.out);
  return Status::Ok();
}

// The arrays the --input flags give, by model input name ("" for a bare .npy).
StatusOr<std::map<std::string, NamedArray>> ReadInputs(const RunFlags& f) {
  std::map<std::string, NamedArray> arrays;
  for (const std::string& entry : f.inputs) {
    const size_t eq = entry.find('=');
    const std::string name = eq == std::string::npos ? "" : entry.substr(0, eq);
    const std::string path = eq == std::string::npos ? entry : entry.substr(eq + 1);
    QF_ASSIGN_OR_RETURN(std::vector<NamedArray> read, ReadArrays(path));
    const bool archive = read.size() != 1 || !read[0].name.empty();
    if (archive && !name.empty())
      return InvalidArgument("{}: an .npz gives its arrays their own names; pass it without NAME=", path);
    for (NamedArray& a : read) {
      const std::string key = archive ? a.name : name;
      a.name = key.empty() ? path : key;  // for messages: the name, or the file
      const std::string shown = a.name;   // emplace may move from `a` even when the key exists
      if (!arrays.emplace(key, std::move(a)).second) return InvalidArgument("input '{}' is given twice", shown);
    }
  }
  return arrays;
}

// Matches the given arrays to the model's inputs: all by name, or one bare array for a
// one-input model.
StatusOr<std::vector<const NamedArray*>> MatchInputs(const std::map<std::string, NamedArray>& arrays,
                                                     const runtime::Interpreter& probe, const std::string& model) {
  std::vector<std::string> names;
  for (int i = 0; i < probe.num_inputs(); ++i) names.push_back(probe.input(i).name);
  const std::string listed = fmt::format("'{}'", fmt::join(names, "', '"));
  std::vector<const NamedArray*> matched;
  if (arrays.size() == 1 && arrays.begin()->first.empty()) {
    if (names.size() != 1)
      return InvalidArgument("{} has {} inputs ({}): give each as --input NAME=FILE.npy", model, names.size(), listed);
    matched.push_back(&arrays.begin()->second);
    return matched;
  }
  for (const auto& [name, array] : arrays)
    if (name.empty() || std::find(names.begin(), names.end(), name) == names.end())
      return InvalidArgument("{} has no input '{}' (its inputs: {})", model, name.empty() ? array.name : name, listed);
  for (const std::string& name : names) {
    auto it = arrays.find(name);
    if (it == arrays.end()) return InvalidArgument("input '{}' of {} is not given (its inputs: {})", name, model, listed);
    matched.push_back(&it->second);
  }
  return matched;
}

// The batch size the arrays share; each must be [N, ...sample shape].
StatusOr<int> BatchOf(const std::vector<const NamedArray*>& arrays, const runtime::Interpreter& probe) {
  int batch = -1;
  for (int i = 0; i < probe.num_inputs(); ++i) {
    const NpyArray& a = arrays[i]->array;
    const std::vector<int>& shape = probe.input(i).shape;  // batch 1
    if (shape.empty() || shape[0] != 1)
      return InvalidArgument("input '{}' has a stored batch dimension of {}, not 1: run cannot batch it",
                             probe.input(i).name, shape.empty() ? 0 : shape[0]);
    bool fits = a.shape.size() == shape.size() && !a.shape.empty() && a.shape[0] >= 1 && a.shape[0] <= (1 << 20);
    for (size_t d = 1; fits && d < shape.size(); ++d) fits = a.shape[d] == shape[d];
    if (!fits) {
      std::string want = "[N";
      for (size_t d = 1; d < shape.size(); ++d) want += ", " + std::to_string(shape[d]);
      const bool nchw = shape.size() == 4 && a.shape.size() == 4 && a.shape[1] == shape[3] && a.shape[2] == shape[1] &&
                        a.shape[3] == shape[2];
      return InvalidArgument("{}: array shape {} does not match the model input '{}' {}]{}", arrays[i]->name,
                             ShapeToString(a.shape), probe.input(i).name, want,
                             nchw ? " (the array looks NCHW: images go in NHWC, channels last)" : "");
    }
    if (batch >= 0 && a.shape[0] != batch)
      return InvalidArgument("{}: batch {} differs from the other inputs' {}", arrays[i]->name, a.shape[0], batch);
    batch = static_cast<int>(a.shape[0]);
  }
  return batch;
}

template <typename T>
Status ToInteger(const NamedArray& x, const RuntimeTensor& in) {
  for (int64_t i = 0; i < x.array.size(); ++i) {
    const double v = x.array.At(i);
    if (v != std::floor(v) || v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max())
      return InvalidArgument("{}: element {} is {}, not a {} value the model's integer input '{}' takes", x.name, i, v,
                             qfm::EnumNameDType(in.dtype), in.name);
    in.as<T>()[i] = static_cast<T>(v);
  }
  return Status::Ok();
}

// An image model's stored preprocessing (its metadata's, for a one-input model whose input is a
// batch of NHWC images): with it, a uint8 array is raw pixels, preprocessed as the model was
// trained, and a float array must hold values that preprocessing gives.
StatusOr<std::optional<Preprocess>> StoredPreprocessing(const runtime::Model& model, const runtime::Interpreter& probe,
                                                        const std::string& what) {
  QF_ASSIGN_OR_RETURN(const convert::QfmMetadata meta, convert::ReadMetadata(model, what));
  if (!meta.json.contains("preprocess") || probe.num_inputs() != 1 || probe.input(0).shape.size() != 4)
    return std::optional<Preprocess>();
  return std::optional<Preprocess>(meta.preprocess);
}

// Raw pixels preprocessed as stored: floats for a float input, quantized for an integer one.
Status FillFromPixels(const NamedArray& x, const RuntimeTensor& in, const Preprocess& pre) {
  const int64_t channels = in.shape.back();
  for (int64_t i = 0; i < x.array.size(); ++i) {
    const float v = pre.Apply(x.array.data[i], i % channels);
    switch (in.dtype) {
      case qfm::DType::FLOAT32: in.as<float>()[i] = v; break;
      case qfm::DType::INT8: in.as<int8_t>()[i] = runtime::QuantizeTo<int8_t>(v, in.scale.at(0), in.zero_point.at(0)); break;
      case qfm::DType::INT16: in.as<int16_t>()[i] = runtime::QuantizeTo<int16_t>(v, in.scale.at(0), in.zero_point.at(0)); break;
      default: return InvalidArgument("input '{}' has type {}, which run does not fill", in.name, qfm::EnumNameDType(in.dtype));
    }
  }
  return Status::Ok();
}

// A float array for a float image input: already preprocessed, so within the range the stored
// preprocessing gives pixels 0..255 (raw pixels passed as floats would run, and be wrong).
Status CheckPreprocessed(const NamedArray& x, const RuntimeTensor& in, const Preprocess& pre) {
  if (NpyTypeIsInteger(x.array.type))
    return InvalidArgument("{}: {} values for the image input '{}': give raw pixels as uint8 (the model's stored "
                           "preprocessing is applied) or preprocessed values as float32", x.name,
                           NpyTypeName(x.array.type), in.name);
  const int64_t channels = in.shape.back();
  std::vector<std::pair<float, float>> range(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c) {
    const float a = pre.Apply(0, c), b = pre.Apply(255, c), slack = 1e-3f * std::abs(b - a);
    range[c] = {std::min(a, b) - slack, std::max(a, b) + slack};
  }
  for (int64_t i = 0; i < x.array.size(); ++i) {
    const double v = x.array.At(i);
    const auto [lo, hi] = range[i % channels];
    if (!(v >= lo && v <= hi))
      return InvalidArgument("{}: element {} is {}, outside [{:.4g}, {:.4g}], what the model's preprocessing gives "
                             "pixels of channel {}: float arrays are taken as preprocessed inputs; give raw pixels as "
                             "uint8 (preprocessed as stored)", x.name, i, v, lo, hi, i % channels);
  }
  return Status::Ok();
}

Status Fill(const NamedArray& x, const RuntimeTensor& in, const std::optional<Preprocess>& pre) {
  if (pre && x.array.type == NpyType::kUInt8) return FillFromPixels(x, in, *pre);
  if (pre && in.dtype == qfm::DType::FLOAT32) QF_RETURN_IF_ERROR(CheckPreprocessed(x, in, *pre));
  switch (in.dtype) {
    case qfm::DType::FLOAT32:
      for (int64_t i = 0; i < x.array.size(); ++i) in.as<float>()[i] = static_cast<float>(x.array.At(i));
      return Status::Ok();
    case qfm::DType::INT8: return ToInteger<int8_t>(x, in);
    case qfm::DType::INT16: return ToInteger<int16_t>(x, in);
    case qfm::DType::INT32: return ToInteger<int32_t>(x, in);
    default: return InvalidArgument("input '{}' has type {}, which run does not fill", in.name, qfm::EnumNameDType(in.dtype));
  }
}

StatusOr<NpyType> NpyTypeOf(const RuntimeTensor& t) {
  switch (t.dtype) {
    case qfm::DType::FLOAT32: return NpyType::kFloat32;
    case qfm::DType::INT8: return NpyType::kInt8;
    case qfm::DType::INT16: return NpyType::kInt16;
    case qfm::DType::INT32: return NpyType::kInt32;
    case qfm::DType::INT64: return NpyType::kInt64;
    case qfm::DType::FLOAT16: return NpyType::kFloat16;
  }
  return InvalidArgument("output '{}' has an unknown type", t.name);
}

// Appends tensor `t`'s values to the array of its name in `arrays` (a new one: [batch, ...]),
// growing its first dimension.
Status Append(const RuntimeTensor& t, std::vector<NamedArray>* arrays) {
  auto it = std::find_if(arrays->begin(), arrays->end(), [&](const NamedArray& a) { return a.name == t.name; });
  if (it == arrays->end()) {
    NamedArray a;
    a.name = t.name;
    QF_ASSIGN_OR_RETURN(a.array.type, NpyTypeOf(t));
    a.array.shape.assign(t.shape.begin(), t.shape.end());
    a.array.shape[0] = 0;
    arrays->push_back(std::move(a));
    it = arrays->end() - 1;
  }
  it->array.shape[0] += t.shape[0];
  it->array.data.insert(it->array.data.end(), t.data, t.data + t.bytes);
  return Status::Ok();
}

Status Write(const RunFlags& f, const runtime::Model& model, int64_t batch, const std::vector<NamedArray>& outputs) {
  nlohmann::json described = nlohmann::json::array();
  for (const NamedArray& a : outputs)
    described.push_back({{"name", a.name}, {"shape", a.array.shape}, {"dtype", NpyTypeName(a.array.type)}});
  if (f.out.ends_with(".npz")) {
    QF_RETURN_IF_ERROR(WriteNpz(f.out, outputs));
  } else {
    QF_RETURN_IF_ERROR(WriteFileAtomically(f.out, SerializeNpy(outputs[0].array)));
  }
  if (f.json) {
    fmt::print("{}\n", nlohmann::json{{"model", f.model}, {"batch", batch}, {"out", f.out}, {"outputs", described},
                                      {"model_bytes", model.size_bytes()}}
                           .dump());
    return Status::Ok();
  }
  fmt::print("{}: ran {} samples, wrote to {}:\n", f.model, batch, f.out);
  for (const NamedArray& a : outputs)
    fmt::print("  {} {} {}\n", a.name, ShapeToString(a.array.shape), NpyTypeName(a.array.type));
  return Status::Ok();
}

// --data: the test split in batches; the arrays are the input as fed, every output, and "label".
Status RunOnTestSet(const RunFlags& f, std::shared_ptr<const runtime::Model> model) {
  QF_ASSIGN_OR_RETURN(std::unique_ptr<runtime::Interpreter> probe, runtime::Interpreter::Create(model));
  if (probe->num_inputs() != 1)
    return InvalidArgument("{} has {} inputs; --data feeds a one-input model (give several with --input)", f.model,
                           probe->num_inputs());
  for (int i = 0; i < probe->num_outputs(); ++i)
    if (probe->output(i).name == "label" || probe->output(i).name == probe->input(0).name)
      return InvalidArgument("{}: output '{}' would collide with the input or the labels in the .npz", f.model,
                             probe->output(i).name);
  QF_ASSIGN_OR_RETURN(const convert::QfmMetadata meta, convert::ReadMetadata(*model, f.model));
  QF_ASSIGN_OR_RETURN(const InputSpec spec, ModelInputSpec(model, f.model));
  QF_ASSIGN_OR_RETURN(TrainTestData data, f.data.Load(spec));
  const ImageDataset& test = data.test;
  const int64_t count = f.limit > 0 ? std::min(f.limit, test.count) : test.count;
  constexpr int64_t kBatch = 256;
  std::vector<int64_t> order(count);
  for (int64_t i = 0; i < count; ++i) order[i] = i;
  std::vector<NamedArray> arrays;
  convert::BatchInterpreters interpreters(model, kBatch, ResolveThreads(f.threads));
  for (int64_t first = 0; first < count; first += kBatch) {
    const int64_t n = std::min(kBatch, count - first);
    QF_ASSIGN_OR_RETURN(runtime::Interpreter* const it, interpreters.For(n));
    QF_RETURN_IF_ERROR(convert::FillInput(test, meta.preprocess, order.data() + first, n, it));
    QF_RETURN_IF_ERROR(Append(it->input(0), &arrays));  // before the arena reuses its memory
    QF_RETURN_IF_ERROR(it->Invoke());
    for (int i = 0; i < it->num_outputs(); ++i) QF_RETURN_IF_ERROR(Append(it->output(i), &arrays));
  }
  if (test.labelled()) {
    NamedArray labels;
    labels.name = "label";
    labels.array.type = NpyType::kInt32;
    labels.array.shape = {count};
    const auto* bytes = reinterpret_cast<const uint8_t*>(test.labels.data());
    labels.array.data.assign(bytes, bytes + count * sizeof(int32_t));
    arrays.push_back(std::move(labels));
  }
  return Write(f, *model, count, arrays);
}

Status RunRun(const RunFlags& f) {
  QF_ASSIGN_OR_RETURN(std::shared_ptr<const runtime::Model> model, runtime::Model::Load(f.model));
  if (f.data_given) return RunOnTestSet(f, model);
  QF_ASSIGN_OR_RETURN(const auto arrays, ReadInputs(f));
  // The model's per-sample input shapes, from a batch-1 interpreter.
  QF_ASSIGN_OR_RETURN(std::unique_ptr<runtime::Interpreter> probe, runtime::Interpreter::Create(model, {1}));
  QF_ASSIGN_OR_RETURN(const std::vector<const NamedArray*> inputs, MatchInputs(arrays, *probe, f.model));
  QF_ASSIGN_OR_RETURN(const int batch, BatchOf(inputs, *probe));
  if (f.out.ends_with(".npy") && probe->num_outputs() != 1)
    return InvalidArgument("{} has {} outputs: write them to an .npz", f.model, probe->num_outputs());
  runtime::InterpreterOptions options;
  options.batch_size = batch;
  options.threads = ResolveThreads(f.threads);
  QF_ASSIGN_OR_RETURN(std::unique_ptr<runtime::Interpreter> it, runtime::Interpreter::Create(model, options));
  QF_ASSIGN_OR_RETURN(const std::optional<Preprocess> pre, StoredPreprocessing(*model, *probe, f.model));
  for (int i = 0; i < it->num_inputs(); ++i) QF_RETURN_IF_ERROR(Fill(*inputs[i], it->input(i), pre));
  QF_RETURN_IF_ERROR(it->Invoke());
  std::vector<NamedArray> outputs;
  for (int i = 0; i < it->num_outputs(); ++i) QF_RETURN_IF_ERROR(Append(it->output(i), &outputs));
  return Write(f, *model, batch, outputs);
}


}  // namespace

Command AddRunCommand(CLI::App& app) {
  auto f = std::make_shared<RunFlags>();
  auto* cmd = app.add_subcommand("run", "run a .qfm model on arrays (NPY/NPZ) or a test split (--data) and write every output");
  cmd->add_option("model", f->model, "runtime model (.qfm)")->required();
  cmd->add_option("--input", f->inputs,
                  "NAME=FILE.npy for input NAME (repeatable), an .npz of arrays named after the inputs, or FILE.npy "
                  "for a one-input model; arrays are [N, ...input shape] (NHWC images: raw pixels as uint8 get the "
                  "model's stored preprocessing, floats are taken as preprocessed)");
  f->data.Register(*cmd);
  cmd->add_option("--limit", f->limit, "with --data: the first N test samples (default: all)");
  AddOutFlag(*cmd, &f->out, "OUT.npz: every output by name; OUT.npy: the only output")->required();
  AddThreadsFlag(*cmd, &f->threads);
  AddJsonFlag(*cmd, &f->json);
  SetExamples(*cmd, {"qforge run int8.qfm --input x.npy --out y.npy",
                     "qforge run int8.qfm --input image=x.npy --out outputs.npz --json",
                     "qforge run two-input.qfm --input inputs.npz --out outputs.npz",
                     "qforge run int8.qfm --data fashion-mnist --limit 1000 --out test.npz"});
  return {[f, cmd] {
            f->data_given = cmd->count("--data") + cmd->count("--data-dir") > 0;
            return CheckRun(*f);
          },
          [f] { return RunRun(*f); }};
}

}  // namespace qforge::cli
