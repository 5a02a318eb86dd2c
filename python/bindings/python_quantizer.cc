// Quantizers written in Python (qforge.quantization.Quantizer subclasses): a registered class
// becomes a quantizer type of qforge's registry, so quantization-aware training, its
// checkpoints and conversion use it like a built-in one. The Python object gives the range
// (range(x, training) -> per-channel lo, hi in NumPy) and the fake quantization
// (fake_quantize(x, scale, zero_point, qmin, qmax)); qforge turns ranges into grids with the
// converter's own definition and back-propagates straight through (zero outside the grid).
// Forward and conversion take the GIL (fit releases it), and a Python exception raised there
// ends the fit with that exception.
#include "bindings/python_quantizer.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <map>

#include "bindings/errors.h"
#include "quant/quantizer.h"

namespace py = pybind11;

namespace qforge::python {
namespace {

// Registered name -> class, alive as long as the interpreter (held by the module's dict).
std::map<std::string, py::object>& Classes() {
  static auto* classes = new std::map<std::string, py::object>;
  return *classes;
}

py::array_t<float> ToNumpy(const Tensor& x) {
  std::vector<py::ssize_t> shape(x.shape().begin(), x.shape().end());
  py::array_t<float> a(shape);
  std::copy(x.data(), x.data() + x.size(), a.mutable_data());
  return a;
}

// Per-channel values returned by Python: a number (one channel) or a 1-D sequence of `n`.
std::vector<float> Values(const py::object& v, int64_t n, const std::string& what) {
  py::array_t<double, py::array::c_style | py::array::forcecast> a;
  try {
    a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(v);
  } catch (const py::error_already_set&) {
  }
  if (!a || a.ndim() > 1 || a.size() != n)
    ThrowInvalid("{}: expected {} value{} (one per channel), got {}", what, n, n == 1 ? "" : "s",
                 py::repr(v).cast<std::string>());
  std::vector<float> out(n);
  for (int64_t i = 0; i < n; ++i) {
    out[i] = static_cast<float>(a.data()[i]);
    if (!std::isfinite(out[i])) ThrowInvalid("{}: value {} is not finite", what, i);
  }
  return out;
}

class PythonQuantizer : public quant::Quantizer {
 public:
  PythonQuantizer(quant::QuantSpec spec, std::string type, nlohmann::json attrs, py::object object)
      : Quantizer(spec), type_(std::move(type)), attrs_(std::move(attrs)), object_(std::move(object)) {}
  ~PythonQuantizer() override {
    py::gil_scoped_acquire gil;
    object_ = py::object();
  }

  std::string_view type() const override { return type_; }
  nlohmann::json attrs() const override { return attrs_; }
  std::vector<quant::QuantizerParam> Params(const Shape&) const override { return {}; }

  void Forward(bool training, const Tensor& x, const std::vector<Tensor*>&, Tensor& y) override {
    py::gil_scoped_acquire gil;
    const py::array_t<float> xs = ToNumpy(x);
    grid_ = GridOf(xs, x, training);
    const py::array_t<float> scale(static_cast<py::ssize_t>(grid_.scale.size()), grid_.scale.data());
    const py::array_t<int32_t> zero_point(static_cast<py::ssize_t>(grid_.zero_point.size()), grid_.zero_point.data());
    const py::object out = object_.attr("fake_quantize")(xs, scale, zero_point, grid_.qmin, grid_.qmax);
    const auto ys = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(out);
    if (!ys || ys.size() != x.size() || ys.ndim() != x.rank())
      ThrowInvalid("quantizer '{}': fake_quantize returned {}, not an array of the input's shape", type_,
                   py::repr(out.get_type()).cast<std::string>());
    y.Resize(x.shape());
    std::copy(ys.data(), ys.data() + ys.size(), y.data());
  }

  void Backward(const Tensor& x, const std::vector<Tensor*>&, const Tensor& dy, Tensor* dx,
                const std::vector<Tensor*>&) override {
    if (dx) quant::StraightThrough(x, grid_, dy, *dx);
  }

  StatusOr<quant::Grid> CurrentGrid(const Tensor* x, const std::vector<Tensor*>&) const override {
    if (!x) {
      if (grid_.scale.empty())
        return InvalidArgument("quantizer '{}' has no range yet: it is set by its first forward pass (Python "
                               "quantizers keep their state in Python, not in checkpoints)", type_);
      return grid_;
    }
    py::gil_scoped_acquire gil;
    try {
      return GridOf(ToNumpy(*x), *x, false);
    } catch (const StatusError& e) {
      return e.status();
    } catch (py::error_already_set& e) {
      return InvalidArgument("quantizer '{}': {}", type_, e.what());
    }
  }

 private:
  quant::Grid GridOf(const py::array_t<float>& xs, const Tensor& x, bool training) const {
    const py::object range = object_.attr("range")(xs, training);
    if (!py::isinstance<py::tuple>(range) || py::len(range) != 2)
      ThrowInvalid("quantizer '{}': range must return a pair (lo, hi)", type_);
    const int64_t channels = quant::Channels(spec(), x);
    const std::vector<float> lo = Values(range[py::int_(0)], channels, "quantizer '" + type_ + "': range lo");
    const std::vector<float> hi = Values(range[py::int_(1)], channels, "quantizer '" + type_ + "': range hi");
    return quant::GridFromRanges(spec(), lo, hi);
  }

  std::string type_;
  nlohmann::json attrs_;
  py::object object_;
  quant::Grid grid_;  // of the last forward pass
};

// The one factory of every Python type: attrs["python"] names the registered class.
StatusOr<std::unique_ptr<quant::Quantizer>> MakePythonQuantizer(const quant::QuantSpec& spec,
                                                                 const nlohmann::json& attrs) {
  const std::string type = attrs.value("python", "");
  py::gil_scoped_acquire gil;
  auto it = Classes().find(type);
  if (it == Classes().end())
    return Status(StatusCode::kNotFound, "Python quantizer '" + type +
                                             "' is not registered in this process "
                                             "(qforge.quantization.register_quantizer)");
  try {
    nlohmann::json user = attrs;
    user.erase("python");
    user.erase("spec");
    const py::object json = py::module_::import("json");
    py::object object = it->second(json.attr("loads")(spec.ToJson().dump()), **json.attr("loads")(user.dump()));
    return std::unique_ptr<quant::Quantizer>(new PythonQuantizer(spec, type, attrs, std::move(object)));
  } catch (py::error_already_set& e) {
    return InvalidArgument("creating Python quantizer '{}': {}", type, e.what());
  }
}

void Register(const std::string& type, const py::object& cls) {
  if (type.empty() || type.size() > 64) ThrowInvalid("a quantizer type is a name of 1..64 characters");
  const std::vector<std::string> known = quant::QuantizerTypes();
  const bool taken = std::find(known.begin(), known.end(), type) != known.end();
  if (taken && !Classes().count(type)) ThrowInvalid("quantizer type '{}' is built in; choose another name", type);
  ThrowIfError(quant::RegisterQuantizer(type, &MakePythonQuantizer));
  Classes()[type] = cls;
}

}  // namespace

nlohmann::json PythonQuantizerAttrs(const std::string& type, nlohmann::json attrs) {
  if (Classes().count(type)) attrs["python"] = type;
  return attrs;
}

void BindPythonQuantizers(py::module_& m) {
  m.def("register_quantizer", &Register, py::arg("type"), py::arg("cls"));
  m.def("grid_from_range", [](const std::string& spec, const std::vector<float>& lo, const std::vector<float>& hi) {
    const nlohmann::json j = nlohmann::json::parse(spec, nullptr, false);
    const quant::QuantSpec s = ValueOrThrow(quant::QuantSpec::FromJson(j.is_discarded() ? nlohmann::json() : j));
    if (lo.size() != hi.size() || lo.empty()) ThrowInvalid("grid_from_range: lo and hi need the same, nonzero length");
    const quant::Grid g = quant::GridFromRanges(s, lo, hi);
    return py::make_tuple(g.scale, g.zero_point, g.qmin, g.qmax);
  });
}

}  // namespace qforge::python
