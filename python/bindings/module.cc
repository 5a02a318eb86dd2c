// The _qforge extension module: qforge's C++ engine for the Python package (python/qforge).
#include <pybind11/pybind11.h>

#include "bindings/errors.h"
#include "bindings/modules.h"
#include "qforge/version.h"

PYBIND11_MODULE(_qforge, m) {
  m.doc() = "qforge's C++ engine; use it through the qforge package.";
  m.attr("__version__") = QFORGE_VERSION;
  qforge::python::RegisterErrors(m);
  qforge::python::BindRuntime(m);
  qforge::python::BindModel(m);
  qforge::python::BindBuilder(m);
  qforge::python::BindQuantization(m);
  qforge::python::BindCompression(m);
}
