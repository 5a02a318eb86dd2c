// .qfm models from paths or bytes (see qfm_source.h).
#include "bindings/qfm_source.h"

#include "bindings/errors.h"

namespace py = pybind11;

namespace qforge::python {

std::shared_ptr<const runtime::Model> LoadQfm(const py::object& model, std::string* what) {
  std::string name = "model bytes";
  std::shared_ptr<const runtime::Model> loaded;
  if (py::isinstance<py::bytes>(model) || py::isinstance<py::bytearray>(model)) {
    const std::string bytes = model.cast<std::string>();
    py::gil_scoped_release released;
    loaded = ValueOrThrow(runtime::Model::FromBytes(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), name));
  } else {
    if (!py::isinstance<py::str>(model) && !py::hasattr(model, "__fspath__"))
      ThrowInvalid("a model is a .qfm path or its bytes, not {}", py::str(model.get_type().attr("__name__")).cast<std::string>());
    name = py::str(py::module_::import("os").attr("fspath")(model)).cast<std::string>();
    py::gil_scoped_release released;
    loaded = ValueOrThrow(runtime::Model::Load(name));
  }
  if (what) *what = name;
  return loaded;
}

}  // namespace qforge::python
