// NumPy arrays to qforge datasets (see arrays.h).
#include "bindings/arrays.h"

#include <cstring>

#include "bindings/errors.h"

namespace py = pybind11;

namespace qforge::python {

NpyType NpyTypeOf(const py::array& a, const std::string& what) {
  const py::dtype dt = a.dtype();
  const char kind = dt.kind();
  const auto size = dt.itemsize();
  if (kind == 'u' && size == 1) return NpyType::kUInt8;
  if (kind == 'i' && size == 1) return NpyType::kInt8;
  if (kind == 'i' && size == 2) return NpyType::kInt16;
  if (kind == 'i' && size == 4) return NpyType::kInt32;
  if (kind == 'i' && size == 8) return NpyType::kInt64;
  if (kind == 'f' && size == 2) return NpyType::kFloat16;
  if (kind == 'f' && size == 4) return NpyType::kFloat32;
  if (kind == 'f' && size == 8) return NpyType::kFloat64;
  ThrowInvalid("{}: dtype {} is not supported (uint8, int8..int64, float16, float32 or float64)", what,
               dt.attr("name").cast<std::string>());
}

NpyArray ToNpyArray(const py::array& a, const std::string& what) {
  NpyArray out;
  out.type = NpyTypeOf(a, what);
  if (!(a.flags() & py::array::c_style))
    ThrowInvalid("{}: the array is not C-contiguous (pass np.ascontiguousarray(...))", what);
  if (a.dtype().byteorder() == '>') ThrowInvalid("{}: big-endian arrays are not supported", what);
  for (py::ssize_t i = 0; i < a.ndim(); ++i) out.shape.push_back(a.shape(i));
  const auto* bytes = static_cast<const uint8_t*>(a.data());
  out.data.assign(bytes, bytes + a.nbytes());
  return out;
}

ArrayLayout ParseLayout(const std::string& layout) {
  if (layout == "auto") return ArrayLayout::kAuto;
  if (layout == "nchw") return ArrayLayout::kNchw;
  if (layout == "nhwc") return ArrayLayout::kNhwc;
  ThrowInvalid("layout must be 'auto', 'nchw' or 'nhwc', not '{}'", layout);
}

namespace {

// A Python object that must be a NumPy array (not a list: an implicit copy would hide a dtype).
py::array RequireArray(const py::object& o, const std::string& what) {
  if (!py::isinstance<py::array>(o))
    ThrowInvalid("{}: expected a NumPy array, got {}", what, py::str(o.get_type().attr("__name__")).cast<std::string>());
  return o.cast<py::array>();
}

}  // namespace

TrainTestData TrainingDataFromNumpy(const py::object& x, const py::object& y, const py::object& x_val,
                                    const py::object& y_val, ArrayLayout layout, const InputSpec& spec,
                                    const std::string& what) {
  const NpyArray x_train = ToNpyArray(RequireArray(x, "x"), "x");
  NpyArray y_train, x_test, y_test;
  DatasetArrays arrays{&x_train};
  if (!y.is_none()) arrays.y_train = &(y_train = ToNpyArray(RequireArray(y, "y"), "y"));
  if (!x_val.is_none()) arrays.x_test = &(x_test = ToNpyArray(RequireArray(x_val, "validation x"), "validation x"));
  if (!y_val.is_none()) arrays.y_test = &(y_test = ToNpyArray(RequireArray(y_val, "validation y"), "validation y"));
  TrainTestData data = ValueOrThrow(DatasetFromArrays(arrays, layout, what));
  ThrowIfError(ConformDataset(&data.train, spec, what + ": x"));
  if (data.test.count > 0) ThrowIfError(ConformDataset(&data.test, spec, what + ": validation x"));
  return data;
}

ImageDataset ImagesFromNumpy(const py::object& x, const py::object& y, ArrayLayout layout, const InputSpec& spec,
                             const std::string& what) {
  return TrainingDataFromNumpy(x, y, py::none(), py::none(), layout, spec, what).train;
}

}  // namespace qforge::python
