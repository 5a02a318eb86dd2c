// NumPy arrays in: images and labels checked (dtype, dimensions, C-contiguous) and turned into
// qforge's datasets, fitted to a model's input the way the command line fits its --data.
#pragma once

#include <pybind11/numpy.h>

#include <algorithm>
#include <string>
#include <vector>

#include "data/array_dataset.h"
#include "data/conform.h"
#include "data/dataset.h"
#include "data/npy.h"

namespace qforge::python {

// An array's dtype as qforge's NpyType; a ValueError for any other dtype.
NpyType NpyTypeOf(const pybind11::array& a, const std::string& what);

// The array copied into an NpyArray; a ValueError unless it is C-contiguous.
NpyArray ToNpyArray(const pybind11::array& a, const std::string& what);

ArrayLayout ParseLayout(const std::string& layout);  // "auto" | "nchw" | "nhwc"

// Images x (N x H x W, N x C x H x W or N x H x W x C; uint8 pixels or float values) with
// optional integer labels y (None: unlabelled), fitted to `spec`. `what` names them in errors.
ImageDataset ImagesFromNumpy(const pybind11::object& x, const pybind11::object& y, ArrayLayout layout,
                             const InputSpec& spec, const std::string& what);

// Training images and labels with optional validation data (x_val None: an empty split).
TrainTestData TrainingDataFromNumpy(const pybind11::object& x, const pybind11::object& y, const pybind11::object& x_val,
                                    const pybind11::object& y_val, ArrayLayout layout, const InputSpec& spec,
                                    const std::string& what);

// A new C-contiguous array of `shape` holding a copy of data[0..product of shape).
template <typename T>
pybind11::array_t<T> NewArray(std::vector<pybind11::ssize_t> shape, const T* data) {
  pybind11::array_t<T> out(std::move(shape));
  std::copy(data, data + out.size(), out.mutable_data());
  return out;
}

}  // namespace qforge::python
