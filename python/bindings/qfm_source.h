// A .qfm model from what Python passes: a path (str or os.PathLike) or the file's bytes.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <string>

#include "runtime/model/model.h"

namespace qforge::python {

// The verified model; `what` (if given) receives its name for messages.
std::shared_ptr<const runtime::Model> LoadQfm(const pybind11::object& model, std::string* what = nullptr);

}  // namespace qforge::python
