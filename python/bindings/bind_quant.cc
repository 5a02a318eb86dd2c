// Binds quantization (qforge.quantization): the QAT rewrite with per-node annotations, conversion
// of a QAT model to .qfm bytes, post-training quantization calibrated on a NumPy array, and the
// quantizer registry. Each does what the command line's train --qat, convert and quantize do.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings/arrays.h"
#include "bindings/errors.h"
#include "bindings/model_core.h"
#include "bindings/modules.h"
#include "bindings/python_quantizer.h"
#include "bindings/threads.h"
#include "convert/lower.h"
#include "quant/calibration.h"
#include "quant/ptq.h"
#include "quant/qat.h"
#include "quant/qat_export.h"
#include "quant/quantizer.h"
#include "workflow/model_input.h"

namespace py = pybind11;

namespace qforge::python {
namespace {

// {"type": T, ...attributes} as a quantizer choice; the type must be registered.
quant::QuantizerChoice Choice(const nlohmann::json& j, const std::string& what) {
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
    ThrowInvalid("{}: a quantizer is a dict with a 'type' (one of the registered quantizers) and its attributes", what);
  quant::QuantizerChoice c{j["type"].get<std::string>(), j};
  c.attrs.erase("type");
  c.attrs = PythonQuantizerAttrs(c.type, std::move(c.attrs));
  ValueOrThrow(quant::CreateQuantizer(c.type, c.attrs));  // the type and attributes are checked now
  return c;
}

// annotate={node: {"keep_float", "quantize_weights", "quantize_output", "weights", "activations"}}.
quant::QuantizeConfig Config(const std::string& node, const nlohmann::json& j) {
  if (!j.is_object()) ThrowInvalid("annotate['{}']: expected a dict", node);
  quant::QuantizeConfig c;
  for (const auto& [key, value] : j.items()) {
    const std::string what = "annotate['" + node + "']['" + key + "']";
    if (key == "keep_float" || key == "quantize_weights" || key == "quantize_output") {
      if (!value.is_boolean()) ThrowInvalid("{}: expected True or False", what);
      (key == "keep_float" ? c.keep_float : key == "quantize_weights" ? c.quantize_weights : c.quantize_output) =
          value.get<bool>();
    } else if (key == "weights") {
      c.weights = Choice(value, what);
    } else if (key == "activations") {
      c.activations = Choice(value, what);
    } else {
      ThrowInvalid("annotate['{}']: unknown key '{}' (keep_float, quantize_weights, quantize_output, weights, "
                   "activations)", node, key);
    }
  }
  return c;
}

py::tuple QuantizeModel(const ModelCore& core, const std::string& scheme, const std::string& quantizer,
                        int weight_bits, int activation_bits, const std::string& annotate, bool keep_unsupported_float,
                        const std::string& overrides) {
  if (quant::IsQatGraph(core.run().graph)) ThrowInvalid("quantize_model: the model is already quantization-aware");
  ModelCore::Busy busy(core);
  quant::QatOptions o;
  o.scheme = ValueOrThrow(quant::MakeScheme(scheme, weight_bits, activation_bits, quantizer));
  o.keep_unsupported_float = keep_unsupported_float;
  // weights= / activations=: the scheme's quantizers replaced for every node.
  const nlohmann::json scheme_quantizers = ParseOptions(overrides, "quantizers");
  if (scheme_quantizers.contains("weights")) o.scheme.weights = Choice(scheme_quantizers["weights"], "weights");
  if (scheme_quantizers.contains("activations")) {
    o.scheme.activations = Choice(scheme_quantizers["activations"], "activations");
    o.scheme.relu_activations = o.scheme.activations;
  }
  const nlohmann::json annotations = ParseOptions(annotate, "annotate");
  for (const auto& [node, config] : annotations.items()) o.Annotate(node, Config(node, config));
  quant::QatModel qat = ValueOrThrow(quant::QuantizeModel(core.run().graph, o));
  // A new run from the float model's weights, as `qforge train --init CKPT --qat` starts one.
  auto model = core.NewRun(std::move(qat.graph),
                           {{"qat", {{"scheme", scheme}, {"w_bits", weight_bits}, {"a_bits", activation_bits},
                                     {"quantizer", quantizer}, {"kept_float", qat.kept_float}}}});
  return py::make_tuple(std::move(model), qat.kept_float);
}

py::bytes Convert(const ModelCore& core, bool int8_io) {
  if (!quant::IsQatGraph(core.run().graph))
    ThrowInvalid("convert: the model is not quantization-aware (quantize_model, then fit; or post-training quantize)");
  ModelCore::Busy busy(core);
  std::vector<uint8_t> bytes;
  {
    py::gil_scoped_release released;
    ApplyRequestedThreads();
    bytes = ValueOrThrow(quant::ConvertQatModel(core.run().graph, core.run().meta, {int8_io}));
  }
  return py::bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

py::bytes PostTraining(const ModelCore& core, const py::object& calibration, const std::string& options) {
  const nlohmann::json j = ParseOptions(options, "quantize options");
  if (quant::IsQatGraph(core.run().graph))
    ThrowInvalid("quantize: the model is quantization-aware; convert it with qforge.quantization.convert");
  quant::PtqOptions o;
  try {
    o.mode = ValueOrThrow(convert::ParseMode(j.value("mode", "int8")));
    o.calibration.method = ValueOrThrow(quant::ParseCalibrationMethod(j.value("method", "minmax")));
    o.calibration.percentile = j.value("percentile", 99.99);
    o.calibration_samples = j.value("samples", int64_t{1000});
    o.seed = j.value("seed", uint64_t{1});
    o.bias_correction = j.value("bias_correction", false);
    o.int8_io = j.value("int8_io", false);
  } catch (const nlohmann::json::exception& e) {
    ThrowInvalid("quantize: an option has the wrong type ({})", e.what());
  }
  if (!(o.calibration.percentile >= 50 && o.calibration.percentile <= 100))
    ThrowInvalid("quantize: percentile must be in [50, 100], not {}", o.calibration.percentile);
  if (o.calibration_samples < 1) ThrowInvalid("quantize: samples must be >= 1, not {}", o.calibration_samples);
  if (o.int8_io && !convert::NeedsRanges(o.mode)) ThrowInvalid("quantize: int8_io needs mode 'int8' or 'int16x8'");
  ModelCore::Busy busy(core);
  ImageDataset data;
  if (convert::NeedsRanges(o.mode)) {
    if (calibration.is_none()) ThrowInvalid("quantize: mode '{}' needs calibration images", j.value("mode", "int8"));
    const InputSpec spec = ValueOrThrow(ModelInputSpec(core.run(), "the model"));
    data = ImagesFromNumpy(calibration, py::none(), ParseLayout(j.value("layout", "auto")), spec, "calibration");
  }
  std::vector<uint8_t> bytes;
  {
    py::gil_scoped_release released;
    ApplyRequestedThreads();
    bytes = ValueOrThrow(quant::QuantizeCheckpoint(core.run(), convert::NeedsRanges(o.mode) ? &data : nullptr, o));
  }
  return py::bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace

void BindQuantization(py::module_& m) {
  m.def("quantize_model", &QuantizeModel, py::arg("model"), py::arg("scheme"), py::arg("quantizer"),
        py::arg("weight_bits"), py::arg("activation_bits"), py::arg("annotate"), py::arg("keep_unsupported_float"),
        py::arg("overrides"));
  m.def("convert_qat", &Convert, py::arg("model"), py::arg("int8_io"));
  m.def("post_training_quantize", &PostTraining, py::arg("model"), py::arg("calibration"), py::arg("options"));
  m.def("quantizer_types", &quant::QuantizerTypes);
  BindPythonQuantizers(m);
}

}  // namespace qforge::python
