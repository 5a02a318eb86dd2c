// The parts of the _qforge extension module, each binding one area into the module.
#pragma once

#include <pybind11/pybind11.h>

namespace qforge::python {

void BindRuntime(pybind11::module_& m);       // Interpreter, TensorDetails, evaluate_qfm
void BindModel(pybind11::module_& m);         // ModelCore, zoo, datasets, threads
void BindBuilder(pybind11::module_& m);       // GraphBuilder (qforge.layers)
void BindQuantization(pybind11::module_& m);  // QAT, conversion, post-training quantization
void BindCompression(pybind11::module_& m);   // compress (weight coding of .qfm files)

}  // namespace qforge::python
