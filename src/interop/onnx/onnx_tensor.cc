// TensorProto decoding (see onnx_tensor.h): raw little-endian bytes or the typed repeated fields,
// each checked to hold exactly as many elements as the dims say.
#include "interop/onnx/onnx_tensor.h"

#include <cstring>
#include <limits>

#include "runtime/float16.h"

namespace qforge::onnx_import {
namespace {

int ElemSize(int32_t t) {
  switch (t) {
    case onnx::TensorProto::FLOAT: case onnx::TensorProto::INT32: case onnx::TensorProto::UINT32: return 4;
    case onnx::TensorProto::DOUBLE: case onnx::TensorProto::INT64: case onnx::TensorProto::UINT64: return 8;
    case onnx::TensorProto::FLOAT16: case onnx::TensorProto::INT16: case onnx::TensorProto::UINT16: return 2;
    case onnx::TensorProto::INT8: case onnx::TensorProto::UINT8: case onnx::TensorProto::BOOL: return 1;
    default: return 0;
  }
}

template <typename T>
double Load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return static_cast<double>(v);
}

double DecodeRaw(int32_t t, const char* p) {
  switch (t) {
    case onnx::TensorProto::FLOAT: return Load<float>(p);
    case onnx::TensorProto::DOUBLE: return Load<double>(p);
    case onnx::TensorProto::INT32: return Load<int32_t>(p);
    case onnx::TensorProto::UINT32: return Load<uint32_t>(p);
    case onnx::TensorProto::INT64: return Load<int64_t>(p);
    case onnx::TensorProto::UINT64: return Load<uint64_t>(p);
    case onnx::TensorProto::INT16: return Load<int16_t>(p);
    case onnx::TensorProto::UINT16: return Load<uint16_t>(p);
    case onnx::TensorProto::INT8: return Load<int8_t>(p);
    case onnx::TensorProto::UINT8: case onnx::TensorProto::BOOL: return Load<uint8_t>(p);
    case onnx::TensorProto::FLOAT16: {
      uint16_t h;
      std::memcpy(&h, p, 2);
      return runtime::HalfToFloat(h);
    }
    default: return 0;
  }
}

}  // namespace

std::string ElemTypeName(int32_t elem_type) {
  return onnx::TensorProto_DataType_IsValid(elem_type)
             ? onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(elem_type))
             : "type " + std::to_string(elem_type);
}

bool IsFloatType(int32_t t) {
  return t == onnx::TensorProto::FLOAT || t == onnx::TensorProto::DOUBLE || t == onnx::TensorProto::FLOAT16;
}

Tensor ConstTensor::ToFloatTensor() const {
  Tensor t(dims.empty() ? Shape{1} : dims);
  for (int64_t i = 0; i < count(); ++i) t[i] = static_cast<float>(values[i]);
  return t;
}

StatusOr<ConstTensor> ReadTensorProto(const onnx::TensorProto& t, const std::string& what) {
  ConstTensor c;
  c.elem_type = t.data_type();
  const int size = ElemSize(c.elem_type);
  if (size == 0) return InvalidArgument("{}: element type {} is not supported", what, ElemTypeName(c.elem_type));
  if (t.data_location() == onnx::TensorProto::EXTERNAL || t.external_data_size() > 0)
    return InvalidArgument("{}: its data is stored outside the .onnx file (external data); re-export the model "
                           "with the weights inside the file", what);
  int64_t count = 1;
  for (int64_t d : t.dims()) {
    if (d < 0) return InvalidArgument("{}: negative dimension {}", what, d);
    if (d > 0 && count > (int64_t{1} << 40) / d) return InvalidArgument("{}: the shape is too large", what);
    count *= d;
    c.dims.push_back(d);
  }
  auto mismatch = [&](int64_t have) {
    return InvalidArgument("{}: shape {} needs {} elements, the tensor holds {}", what, ShapeToString(c.dims),
                           count, have);
  };
  if (t.has_raw_data()) {
    const std::string& raw = t.raw_data();
    if (static_cast<int64_t>(raw.size()) != count * size) {
      if (raw.size() % size != 0)
        return InvalidArgument("{}: {} bytes of raw data are not a whole number of {} elements", what, raw.size(),
                               ElemTypeName(c.elem_type));
      return mismatch(static_cast<int64_t>(raw.size()) / size);
    }
    c.values.resize(count);
    for (int64_t i = 0; i < count; ++i) c.values[i] = DecodeRaw(c.elem_type, raw.data() + i * size);
  } else {
    switch (c.elem_type) {
      case onnx::TensorProto::FLOAT:
        if (t.float_data_size() != count) return mismatch(t.float_data_size());
        c.values.assign(t.float_data().begin(), t.float_data().end());
        break;
      case onnx::TensorProto::DOUBLE:
        if (t.double_data_size() != count) return mismatch(t.double_data_size());
        c.values.assign(t.double_data().begin(), t.double_data().end());
        break;
      case onnx::TensorProto::INT64:
        if (t.int64_data_size() != count) return mismatch(t.int64_data_size());
        c.values.assign(t.int64_data().begin(), t.int64_data().end());
        break;
      case onnx::TensorProto::UINT32: case onnx::TensorProto::UINT64:
        if (t.uint64_data_size() != count) return mismatch(t.uint64_data_size());
        c.values.assign(t.uint64_data().begin(), t.uint64_data().end());
        break;
      case onnx::TensorProto::FLOAT16:
        if (t.int32_data_size() != count) return mismatch(t.int32_data_size());
        for (int32_t bits : t.int32_data()) c.values.push_back(runtime::HalfToFloat(static_cast<uint16_t>(bits)));
        break;
      default:  // the narrow integer types and BOOL live in int32_data
        if (t.int32_data_size() != count) return mismatch(t.int32_data_size());
        c.values.assign(t.int32_data().begin(), t.int32_data().end());
    }
  }
  return c;
}

}  // namespace qforge::onnx_import
