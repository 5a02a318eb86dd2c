// qforge.Interpreter: a .qfm model run from NumPy. Inputs are copied straight from the caller's
// array into the interpreter's arena (the one copy a run needs), outputs into new arrays — or
// read and written in place through views of the arena. Invoke runs without the GIL, so Python
// threads can run several interpreters at once; one interpreter serves one call at a time.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bindings/arrays.h"
#include "bindings/errors.h"
#include "bindings/modules.h"
#include "bindings/qfm_source.h"
#include "convert/evaluate.h"
#include "runtime/interpreter.h"
#include "runtime/kernels/dispatch.h"
#include "workflow/model_input.h"

namespace py = pybind11;

namespace qforge::python {
namespace {

using runtime::RuntimeTensor;

py::dtype NumpyDtype(qfm::DType dtype) {
  switch (dtype) {
    case qfm::DType::FLOAT32: return py::dtype::of<float>();
    case qfm::DType::INT8: return py::dtype::of<int8_t>();
    case qfm::DType::INT16: return py::dtype::of<int16_t>();
    case qfm::DType::INT32: return py::dtype::of<int32_t>();
    case qfm::DType::INT64: return py::dtype::of<int64_t>();
    case qfm::DType::FLOAT16: return py::dtype("float16");
  }
  throw StatusError(Status(StatusCode::kInternal, "unknown tensor type " + std::to_string(static_cast<int>(dtype))));
}

// What `inputs` and `outputs` describe: TFLite's get_input_details, as an object.
struct TensorDetails {
  std::string name;
  py::dtype dtype;
  std::vector<int> shape;
  std::vector<float> scale;           // empty when not quantized
  std::vector<int64_t> zero_point;
  int quantized_dimension = 0;
  int bits = 0;
  int index = 0;
};

TensorDetails Describe(const RuntimeTensor& t, int index) {
  return {t.name, NumpyDtype(t.dtype), t.shape, t.scale, t.zero_point, t.quantized_dimension, t.bits, index};
}

std::string DtypeName(const py::dtype& dtype) { return dtype.attr("name").cast<std::string>(); }

std::string ShapeText(const std::vector<int>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

class PyInterpreter {
 public:
  PyInterpreter(const py::object& model, int batch, int threads, const std::string& isa) {
    model_ = LoadQfm(model, &what_);
    if (batch < 1 || batch > 1 << 20) ThrowInvalid("batch must be in 1..{}, not {}", 1 << 20, batch);
    runtime::InterpreterOptions options;
    options.batch_size = batch;
    options.threads = threads;
    if (!isa.empty()) options.max_isa = ValueOrThrow(runtime::ParseIsa(isa));
    {
      py::gil_scoped_release released;  // weight packing can take a while
      interpreter_ = ValueOrThrow(runtime::Interpreter::Create(model_, options));
    }
    for (int i = 0; i < interpreter_->num_inputs(); ++i) inputs_.push_back(Describe(interpreter_->input(i), i));
    for (int i = 0; i < interpreter_->num_outputs(); ++i) outputs_.push_back(Describe(interpreter_->output(i), i));
  }

  const std::vector<TensorDetails>& inputs() const { return inputs_; }
  const std::vector<TensorDetails>& outputs() const { return outputs_; }

  // run(x) / run(x0, x1, ...) / run({name: x}): the outputs, one array or a tuple of them.
  py::object Run(const py::args& args, const py::kwargs& kwargs) {
    if (!kwargs.empty()) ThrowInvalid("run takes the inputs as positional arrays or one dict {{name: array}}");
    std::vector<py::array> arrays = ArgumentArrays(args);
    std::vector<py::array> outs;
    for (const TensorDetails& o : outputs_) outs.emplace_back(o.dtype, std::vector<py::ssize_t>(o.shape.begin(), o.shape.end()));
    {
      py::gil_scoped_release released;
      std::lock_guard<std::mutex> lock(mutex_);
      for (size_t i = 0; i < arrays.size(); ++i)
        ThrowIfError(interpreter_->SetInput(static_cast<int>(i), arrays[i].data(), arrays[i].nbytes()));
      ThrowIfError(interpreter_->Invoke());
      for (size_t i = 0; i < outs.size(); ++i)
        ThrowIfError(interpreter_->GetOutput(static_cast<int>(i), outs[i].mutable_data(), outs[i].nbytes()));
    }
    if (outs.size() == 1) return outs[0];
    return py::tuple(py::cast(outs));
  }

  void SetInput(const py::object& which, const py::object& x) {
    const int i = Index(which, inputs_, "input");
    const py::array a = CheckedInput(x, i);
    py::gil_scoped_release released;
    std::lock_guard<std::mutex> lock(mutex_);
    ThrowIfError(interpreter_->SetInput(i, a.data(), a.nbytes()));
  }

  void Invoke() {
    py::gil_scoped_release released;
    std::lock_guard<std::mutex> lock(mutex_);
    ThrowIfError(interpreter_->Invoke());
  }

  py::array Output(const py::object& which) {
    const TensorDetails& o = outputs_[Index(which, outputs_, "output")];
    py::array out(o.dtype, std::vector<py::ssize_t>(o.shape.begin(), o.shape.end()));
    void* dst = out.mutable_data();
    const auto bytes = out.nbytes();
    {
      py::gil_scoped_release released;
      std::lock_guard<std::mutex> lock(mutex_);
      ThrowIfError(interpreter_->GetOutput(o.index, dst, bytes));
    }
    return out;
  }

  // A view of the arena: writable for an input, read-only for an output; it keeps the
  // interpreter alive, and its contents change with every run.
  py::array View(py::object self, const py::object& which, bool input) {
    const std::vector<TensorDetails>& details = input ? inputs_ : outputs_;
    const TensorDetails& d = details[Index(which, details, input ? "input" : "output")];
    const RuntimeTensor& t = input ? interpreter_->input(d.index) : interpreter_->output(d.index);
    py::array view(d.dtype, std::vector<py::ssize_t>(d.shape.begin(), d.shape.end()), {}, t.data, self);
    if (!input) py::detail::array_proxy(view.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
    return view;
  }

  // Images (as `fit` takes them) made into input 0: fitted to the model's input, preprocessed as
  // its metadata says, NHWC, quantized with the input's parameters for an integer input.
  py::array Preprocess(const py::object& images, const std::string& layout) {
    if (inputs_.size() != 1) ThrowInvalid("{}: preprocess is for models with one image input", what_);
    const InputSpec spec = ValueOrThrow(ModelInputSpec(model_, what_));
    const convert::QfmMetadata meta = ValueOrThrow(convert::ReadMetadata(*model_, what_));
    const ImageDataset data = ImagesFromNumpy(images, py::none(), ParseLayout(layout), spec, "images");
    const int batch = interpreter_->batch_size();
    if (data.count != batch)
      ThrowInvalid("{} images for an interpreter of batch {} (make one with batch={})", data.count, batch, data.count);
    std::vector<int64_t> indices(data.count);
    for (int64_t i = 0; i < data.count; ++i) indices[i] = i;
    const TensorDetails& d = inputs_[0];
    py::array out(d.dtype, std::vector<py::ssize_t>(d.shape.begin(), d.shape.end()));
    void* dst = out.mutable_data();
    const auto bytes = out.nbytes();
    {
      py::gil_scoped_release released;
      std::lock_guard<std::mutex> lock(mutex_);
      ThrowIfError(convert::FillInput(data, meta.preprocess, indices.data(), data.count, interpreter_.get()));
      std::memcpy(dst, interpreter_->input(0).data, bytes);
    }
    return out;
  }

  py::object Metadata() const {
    const convert::QfmMetadata meta = ValueOrThrow(convert::ReadMetadata(*model_, what_));
    return py::module_::import("json").attr("loads")(meta.json.dump());
  }

  std::string isa() const { return runtime::IsaName(interpreter_->isa()); }
  int batch() const { return interpreter_->batch_size(); }
  std::vector<std::string> kernel_names() const { return interpreter_->kernel_names(); }
  int64_t arena_bytes() const { return interpreter_->arena_stats().peak_bytes; }
  std::string producer() const { return model_->flat().producer() ? model_->flat().producer()->str() : std::string(); }
  std::shared_ptr<const runtime::Model> model() const { return model_; }
  const std::string& what() const { return what_; }

 private:
  // An index from an int or a name.
  int Index(const py::object& which, const std::vector<TensorDetails>& details, const char* kind) const {
    if (py::isinstance<py::str>(which)) {
      const std::string name = which.cast<std::string>();
      for (const TensorDetails& d : details)
        if (d.name == name) return d.index;
      std::string names;
      for (const TensorDetails& d : details) names += (names.empty() ? "" : ", ") + d.name;
      throw StatusError(NotFound("the model has no {} named '{}' ({}s: {})", kind, name, kind, names));
    }
    if (py::isinstance<py::bool_>(which) || !PyIndex_Check(which.ptr()))
      ThrowInvalid("an {} is named by its index or name", kind);
    int overflow = 0;
    const long long i = PyLong_AsLongLongAndOverflow(py::reinterpret_steal<py::object>(PyNumber_Index(which.ptr())).ptr(), &overflow);
    if (overflow || i < 0 || i >= static_cast<long long>(details.size()))
      ThrowInvalid("{} index {} out of range (the model has {})", kind, py::str(which).cast<std::string>(), details.size());
    return static_cast<int>(i);
  }

  // x as input i: exactly its dtype and shape, C-contiguous — no silent conversion.
  py::array CheckedInput(const py::object& x, int i) const {
    const TensorDetails& d = inputs_[i];
    if (!py::isinstance<py::array>(x))
      ThrowInvalid("input {} ('{}'): expected a NumPy array of {} {}, got {}", i, d.name, ShapeText(d.shape),
                   DtypeName(d.dtype), py::str(x.get_type().attr("__name__")).cast<std::string>());
    py::array a = x.cast<py::array>();
    const bool shape_ok = a.ndim() == static_cast<py::ssize_t>(d.shape.size()) &&
                          std::equal(d.shape.begin(), d.shape.end(), a.shape(), [](int s, py::ssize_t n) { return s == n; });
    if (!a.dtype().is(d.dtype) && !a.dtype().equal(d.dtype))
      ThrowInvalid("input {} ('{}'): expected dtype {}, got {}{}", i, d.name, DtypeName(d.dtype), DtypeName(a.dtype()),
                   DtypeName(a.dtype()) == "uint8" ? " (raw pixels? interpreter.preprocess(images) applies the model's "
                                                     "stored preprocessing)"
                                                   : "");
    if (!shape_ok) {
      std::vector<int> got(a.shape(), a.shape() + a.ndim());
      ThrowInvalid("input {} ('{}'): expected shape {}, got {}", i, d.name, ShapeText(d.shape), ShapeText(got));
    }
    if (!(a.flags() & py::array::c_style))
      ThrowInvalid("input {} ('{}'): the array is not C-contiguous (pass np.ascontiguousarray(x))", i, d.name);
    return a;
  }

  std::vector<py::array> ArgumentArrays(const py::args& args) const {
    std::vector<py::array> arrays;
    if (args.size() == 1 && py::isinstance<py::dict>(args[0])) {
      const py::dict given = args[0].cast<py::dict>();
      for (const TensorDetails& d : inputs_) {
        if (!given.contains(d.name)) ThrowInvalid("run: the dict has no array for input '{}'", d.name);
        arrays.push_back(CheckedInput(given[d.name.c_str()], d.index));
      }
      if (given.size() != inputs_.size()) ThrowInvalid("run: the dict names {} arrays; the model has {} inputs", given.size(), inputs_.size());
      return arrays;
    }
    if (args.size() != inputs_.size())
      ThrowInvalid("run: {} arrays given; the model has {} input{}", args.size(), inputs_.size(), inputs_.size() == 1 ? "" : "s");
    for (size_t i = 0; i < args.size(); ++i) arrays.push_back(CheckedInput(args[i], static_cast<int>(i)));
    return arrays;
  }

  std::shared_ptr<const runtime::Model> model_;
  std::string what_;
  std::unique_ptr<runtime::Interpreter> interpreter_;
  std::vector<TensorDetails> inputs_, outputs_;
  std::mutex mutex_;
};

std::string DetailsRepr(const TensorDetails& d) {
  std::string s = "TensorDetails(name='" + d.name + "', dtype=" + DtypeName(d.dtype) +
                  ", shape=" + ShapeText(d.shape);
  if (!d.scale.empty())
    s += ", scale=" + py::repr(py::cast(d.scale)).cast<std::string>() + ", zero_point=" + py::repr(py::cast(d.zero_point)).cast<std::string>();
  if (d.bits) s += ", bits=" + std::to_string(d.bits);
  return s + ")";
}

// Accuracy and predictions of a .qfm classifier on labelled images, as `qforge eval` measures.
py::tuple EvaluateQfm(const py::object& model, const py::object& x, const py::object& y, int batch, int threads,
                      const std::string& layout) {
  std::string what;
  const std::shared_ptr<const runtime::Model> loaded = LoadQfm(model, &what);
  if (batch < 1 || batch > 1 << 20) ThrowInvalid("evaluate: batch_size must be in 1..{}, not {}", 1 << 20, batch);
  if (threads < 1 || threads > 256) ThrowInvalid("evaluate: threads must be in 1..256, not {}", threads);
  const InputSpec spec = ValueOrThrow(ModelInputSpec(loaded, what));
  const ImageDataset data = ImagesFromNumpy(x, y, ParseLayout(layout), spec, "evaluate");
  ThrowIfError(RequireLabels(data, "evaluate"));
  convert::QfmEvalResult r;
  {
    py::gil_scoped_release released;
    r = ValueOrThrow(convert::EvaluateQfm(loaded, what, data, batch, threads));
  }
  return py::make_tuple(r.accuracy, NewArray<int32_t>({static_cast<py::ssize_t>(r.predictions.size())}, r.predictions.data()));
}

}  // namespace

void BindRuntime(py::module_& m) {
  m.def("evaluate_qfm", &EvaluateQfm, py::arg("model"), py::arg("x"), py::arg("y"), py::arg("batch"), py::arg("threads"),
        py::arg("layout"));
  py::class_<TensorDetails>(m, "TensorDetails", "An interpreter input or output: name, dtype, shape, quantization.")
      .def_readonly("name", &TensorDetails::name)
      .def_readonly("dtype", &TensorDetails::dtype)
      .def_property_readonly("shape", [](const TensorDetails& d) { return py::tuple(py::cast(d.shape)); })
      .def_readonly("scale", &TensorDetails::scale, "real = (q - zero_point) * scale; empty when not quantized")
      .def_readonly("zero_point", &TensorDetails::zero_point)
      .def_readonly("quantized_dimension", &TensorDetails::quantized_dimension)
      .def_readonly("bits", &TensorDetails::bits, "an n-bit grid inside the type (0: the type's full width)")
      .def_readonly("index", &TensorDetails::index)
      .def("__repr__", &DetailsRepr);

  py::class_<PyInterpreter>(m, "Interpreter", R"doc(Runs a .qfm model on NumPy arrays.

Interpreter(model, batch=1, threads=1, isa=None): model is a .qfm path or its bytes; batch
multiplies the model's first dimension; threads are the kernels' threads; isa caps the kernels'
instruction set ("ref", "avx2", "avx512vnni", "avx512vbmi").)doc")
      .def(py::init([](const py::object& model, int batch, int threads, const py::object& isa) {
             return std::make_unique<PyInterpreter>(model, batch, threads, isa.is_none() ? "" : isa.cast<std::string>());
           }),
           py::arg("model"), py::arg("batch") = 1, py::arg("threads") = 1, py::arg("isa") = py::none())
      .def_property_readonly("inputs", &PyInterpreter::inputs)
      .def_property_readonly("outputs", &PyInterpreter::outputs)
      .def("run", &PyInterpreter::Run, "Runs the model: run(x) or run(x0, x1, ...) or run({name: x}); returns the "
                                       "output (a tuple for several), new arrays.")
      .def("__call__", &PyInterpreter::Run)
      .def("set_input", &PyInterpreter::SetInput, py::arg("input"), py::arg("x"))
      .def("invoke", &PyInterpreter::Invoke)
      .def("output", &PyInterpreter::Output, py::arg("output") = 0, "A copy of an output after invoke().")
      .def("input_view", [](py::object self, const py::object& which) { return self.cast<PyInterpreter&>().View(self, which, true); },
           py::arg("input") = 0, "A writable view of an input in the interpreter's memory (no copy).")
      .def("output_view", [](py::object self, const py::object& which) { return self.cast<PyInterpreter&>().View(self, which, false); },
           py::arg("output") = 0, "A read-only view of an output in the interpreter's memory, changed by each run.")
      .def("preprocess", &PyInterpreter::Preprocess, py::arg("images"), py::arg("layout") = "auto",
           "Images (uint8 pixels or float values) fitted and preprocessed as the model's metadata says: input 0.")
      .def_property_readonly("metadata", &PyInterpreter::Metadata)
      .def_property_readonly("isa", &PyInterpreter::isa)
      .def_property_readonly("batch", &PyInterpreter::batch)
      .def_property_readonly("kernel_names", &PyInterpreter::kernel_names)
      .def_property_readonly("arena_bytes", &PyInterpreter::arena_bytes)
      .def_property_readonly("producer", &PyInterpreter::producer);
}

}  // namespace qforge::python
