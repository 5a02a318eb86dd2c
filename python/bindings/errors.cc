// Python exception classes for qforge's status codes (see errors.h).
#include "bindings/errors.h"

#include <map>

namespace py = pybind11;

namespace qforge::python {
namespace {

// The classes live as long as the interpreter: held by the module, never freed.
std::map<StatusCode, PyObject*>& ExceptionClasses() {
  static auto* classes = new std::map<StatusCode, PyObject*>;
  return *classes;
}

PyObject* NewException(py::module_& m, const char* name, py::tuple bases, const char* doc) {
  const std::string qualified = std::string("qforge.") + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (!cls) throw py::error_already_set();
  m.add_object(name, py::handle(cls));
  return cls;
}

}  // namespace

void RegisterErrors(py::module_& m) {
  py::handle exception(PyExc_Exception), value_error(PyExc_ValueError),
      not_implemented(PyExc_NotImplementedError);
  PyObject* base = NewException(m, "Error", py::make_tuple(exception), "Base class of every qforge error.");
  py::handle error(base);
  auto& classes = ExceptionClasses();
  classes[StatusCode::kInvalidArgument] = NewException(
      m, "InvalidArgumentError", py::make_tuple(error, value_error), "A bad argument, array, file content or option.");
  classes[StatusCode::kNotFound] = NewException(m, "NotFoundError", py::make_tuple(error), "A file or name that does not exist.");
  classes[StatusCode::kDataLoss] = NewException(m, "DataLossError", py::make_tuple(error), "A damaged or truncated file.");
  classes[StatusCode::kFailedPrecondition] = NewException(
      m, "FailedPreconditionError", py::make_tuple(error), "An operation the object's state does not allow.");
  classes[StatusCode::kUnimplemented] = NewException(
      m, "UnimplementedError", py::make_tuple(error, not_implemented), "Something qforge does not support.");
  classes[StatusCode::kInternal] = NewException(m, "InternalError", py::make_tuple(error), "A bug in qforge.");
  classes[StatusCode::kOk] = base;
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusError& e) {
      auto it = ExceptionClasses().find(e.status().code());
      PyErr_SetString(it != ExceptionClasses().end() ? it->second : ExceptionClasses().at(StatusCode::kOk), e.what());
    }
  });
}

}  // namespace qforge::python
