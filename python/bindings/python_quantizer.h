// Quantizers written in Python (see python_quantizer.cc).
#pragma once

#include <pybind11/pybind11.h>

#include <nlohmann/json.hpp>
#include <string>

namespace qforge::python {

// A quantizer choice's attributes, marked with the Python class's name when `type` is one.
nlohmann::json PythonQuantizerAttrs(const std::string& type, nlohmann::json attrs);

void BindPythonQuantizers(pybind11::module_& m);  // register_quantizer, grid_from_range

}  // namespace qforge::python
