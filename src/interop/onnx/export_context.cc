// ExportContext (see export_context.h).
#include "interop/onnx/export_context.h"

#include <fmt/format.h>

#include <cstring>
#include <algorithm>
#include <tuple>

namespace qforge::onnx_export {

int32_t OnnxElemType(qfm::DType dtype) {
  switch (dtype) {
    case qfm::DType::FLOAT32: return onnx::TensorProto::FLOAT;
    case qfm::DType::INT8: return onnx::TensorProto::INT8;
    case qfm::DType::INT16: return onnx::TensorProto::INT16;
    case qfm::DType::INT32: return onnx::TensorProto::INT32;
    case qfm::DType::INT64: return onnx::TensorProto::INT64;
    case qfm::DType::FLOAT16: return onnx::TensorProto::FLOAT16;
  }
  return onnx::TensorProto::UNDEFINED;
}

void SetInt(onnx::NodeProto* n, const std::string& name, int64_t value) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void SetInts(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& values) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

void SetFloat(onnx::NodeProto* n, const std::string& name, float value) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

void SetString(onnx::NodeProto* n, const std::string& name, const std::string& value) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(value);
}

namespace {

onnx::TensorProto* NewInitializer(onnx::GraphProto* g, const std::string& name, int32_t type,
                                  const std::vector<int>& dims) {
  onnx::TensorProto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(type);
  for (int d : dims) t->add_dims(d);
  return t;
}

void AddInitializer(onnx::GraphProto* g, const std::string& name, int32_t type, const std::vector<int>& dims,
                    const void* data, size_t bytes) {
  NewInitializer(g, name, type, dims)->set_raw_data(data, bytes);
}

}  // namespace

std::string ExportContext::Fresh(const std::string& base) {
  if (used_names_.empty())
    for (const QfmTensor& t : view_.tensors())
      if (!t.constant()) used_names_[t.name] = 1;  // constants get ONNX names as they are written
  int& n = used_names_[base];
  if (n++ == 0) return base;
  std::string name;
  do name = fmt::format("{}_{}", base, n++);
  while (used_names_.count(name));
  used_names_[name] = 1;
  return name;
}

onnx::NodeProto* ExportContext::Node(const std::string& op_type, const std::vector<std::string>& inputs,
                                     const std::vector<std::string>& outputs) {
  onnx::NodeProto* n = graph_->add_node();
  n->set_op_type(op_type);
  n->set_name(Fresh(outputs.empty() ? op_type : outputs[0] + "/" + op_type));
  for (const std::string& i : inputs) n->add_input(i);
  for (const std::string& o : outputs) n->add_output(o);
  return n;
}

std::pair<std::string, std::string> ExportContext::QuantParams(const QfmTensor& t, int32_t zero_point_type) {
  const bool scalar = !t.per_channel();
  const std::string scale = Floats(t.name + "/scale", t.scale, scalar);
  const std::vector<int> dims = scalar ? std::vector<int>{} : std::vector<int>{static_cast<int>(t.scale.size())};
  std::string zero = Fresh(t.name + "/zero_point");
  if (zero_point_type == onnx::TensorProto::INT8 || zero_point_type == onnx::TensorProto::UINT8) {
    // uint8 is the int8 grid moved up by 128: same scale, zero point + 128.
    const int shift = zero_point_type == onnx::TensorProto::UINT8 ? 128 : 0;
    std::vector<uint8_t> z;
    for (int64_t v : t.zero_point) z.push_back(static_cast<uint8_t>(v + shift));
    AddInitializer(graph_, zero, zero_point_type, dims, z.data(), z.size());
  } else {
    std::vector<int32_t> z(t.zero_point.begin(), t.zero_point.end());
    AddInitializer(graph_, zero, zero_point_type, dims, z.data(), z.size() * 4);
  }
  return {scale, zero};
}

std::string ExportContext::Float(int index) {
  const QfmTensor& t = tensor(index);
  if (HeldAsFloat(t)) return Name(index);
  // One DequantizeLinear per reader, as ONNX Runtime's and TensorRT's QDQ fusions require.
  const std::string value = Fresh(t.name + "/dequantized");
  DequantizeInto(index, value);
  return value;
}

void ExportContext::DequantizeInto(int index, const std::string& value) {
  const auto [scale, zero] = ActivationParams(index);
  Node("DequantizeLinear", {Name(index), scale, zero}, {value});
}

std::pair<std::string, std::string> ExportContext::ActivationParams(int index) {
  auto it = activation_params_.find(index);
  if (it != activation_params_.end()) return it->second;
  return activation_params_[index] = QuantParams(tensor(index), StoredType(index));
}

std::string ExportContext::FloatResult(int index) {
  const QfmTensor& t = tensor(index);
  if (HeldAsFloat(t)) return Name(index);
  auto it = real_results_.find(index);
  if (it != real_results_.end()) return it->second;
  return real_results_[index] = Fresh(t.name + "/real");
}

void ExportContext::Produced(int index) {
  const QfmTensor& t = tensor(index);
  if (HeldAsFloat(t)) return;
  Quantize(FloatResult(index), index, Name(index));
}

std::string ExportContext::QuantizeLike(const std::string& value, int like) {
  const std::string out = Fresh(value + "/quantized");
  Quantize(value, like, out);
  return out;
}

void ExportContext::Quantize(const std::string& value, int like, const std::string& out) {
  const QfmTensor& t = tensor(like);
  std::string real = value;
  if (t.bits >= 2 && t.bits < 8) {  // an n-bit grid in int8: clamp to its range first
    const float lo = static_cast<float>((-(1 << (t.bits - 1)) - t.zero_point[0]) * static_cast<double>(t.scale[0]));
    const float hi = static_cast<float>(((1 << (t.bits - 1)) - 1 - t.zero_point[0]) * static_cast<double>(t.scale[0]));
    real = Fresh(t.name + "/clamped");
    Node("Clip", {value, Floats(t.name + "/grid_min", {lo}, true), Floats(t.name + "/grid_max", {hi}, true)}, {real});
  }
  const auto [scale, zero] = ActivationParams(like);
  Node("QuantizeLinear", {real, scale, zero}, {out});
}

ExportContext::Stored ExportContext::StoredConstant(int index, const std::vector<int>& perm,
                                                   const std::vector<int>& columns) {
  const QfmTensor& t = tensor(index);
  const int bytes = runtime::DTypeSize(t.dtype);
  std::vector<uint8_t> data(t.data, t.data + t.bytes);
  std::vector<int> dims = t.shape;
  if (!columns.empty()) {  // reorder the last dimension
    const size_t cols = columns.size(), rows = data.size() / (cols * bytes);
    std::vector<uint8_t> moved(data.size());
    for (size_t r = 0; r < rows; ++r)
      for (size_t c = 0; c < cols; ++c)
        std::memcpy(&moved[(r * cols + c) * bytes], &data[(r * cols + columns[c]) * bytes], bytes);
    data.swap(moved);
  }
  if (!perm.empty()) {
    data = interop::PermuteDims(data.data(), dims, bytes, perm);
    dims = interop::PermutedShape(dims, perm);
  }
  Stored s;
  s.value = Fresh(t.name);
  AddInitializer(graph_, s.value, OnnxElemType(t.dtype), dims, data.data(), data.size());
  if (t.quantized()) std::tie(s.scale, s.zero) = QuantParams(t, OnnxElemType(t.dtype));
  s.axis = perm.empty() ? t.axis : static_cast<int>(std::find(perm.begin(), perm.end(), t.axis) - perm.begin());
  return s;
}

std::string ExportContext::Weight(int index, const std::vector<int>& perm, const std::vector<int>& columns) {
  const QfmTensor& t = tensor(index);
  const Stored s = StoredConstant(index, perm, columns);
  if (t.dtype == qfm::DType::FLOAT32) return s.value;
  const std::string value = Fresh(t.name + "/real");
  if (t.dtype == qfm::DType::FLOAT16) {
    SetInt(Node("Cast", {s.value}, {value}), "to", onnx::TensorProto::FLOAT);
    return value;
  }
  onnx::NodeProto* dq = Node("DequantizeLinear", {s.value, s.scale, s.zero}, {value});
  if (t.per_channel()) SetInt(dq, "axis", s.axis);
  return value;
}

std::string ExportContext::Bias(int index, int input, int weights) {
  const QfmTensor& b = tensor(index);
  if (b.dtype == qfm::DType::FLOAT32) return Weight(index, {});
  // An integer bias is on the grid of input scale x weight scale (per output channel).
  const QfmTensor &in = tensor(input), &w = tensor(weights);
  QfmTensor grid = b;
  grid.scale.clear();
  for (float s : w.scale) grid.scale.push_back(in.scale.at(0) * s);
  grid.zero_point.assign(grid.scale.size(), 0);
  grid.axis = 0;
  const std::string stored = Fresh(b.name);
  AddInitializer(graph_, stored, OnnxElemType(b.dtype), b.shape, b.data, b.bytes);
  const auto [scale, zero] = QuantParams(grid, OnnxElemType(b.dtype));
  const std::string value = Fresh(b.name + "/real");
  onnx::NodeProto* dq = Node("DequantizeLinear", {stored, scale, zero}, {value});
  if (grid.per_channel()) SetInt(dq, "axis", 0);
  return value;
}

onnx::TensorProto* ExportContext::Initializer(const std::string& name, int32_t type, const std::vector<int>& dims) {
  return NewInitializer(graph_, name, type, dims);
}

template <typename T>
std::string ExportContext::Values(const std::string& base, int32_t type, const std::vector<T>& values, bool scalar) {
  const std::string name = Fresh(base);
  AddInitializer(graph_, name, type, scalar ? std::vector<int>{} : std::vector<int>{static_cast<int>(values.size())},
                 values.data(), values.size() * sizeof(T));
  return name;
}

std::string ExportContext::Int64s(const std::string& base, const std::vector<int64_t>& values, bool scalar) {
  return Values(base, onnx::TensorProto::INT64, values, scalar);
}

std::string ExportContext::Floats(const std::string& base, const std::vector<float>& values, bool scalar) {
  return Values(base, onnx::TensorProto::FLOAT, values, scalar);
}

std::string ExportContext::Activation(int activation, const std::string& value, const std::string& out) {
  if (activation == 0) return value;
  if (activation == 1) {
    Node("Relu", {value}, {out});
  } else {
    Node("Clip", {value, Floats(out + "/min", {0.0f}, true), Floats(out + "/max", {6.0f}, true)}, {out});
  }
  return out;
}

const std::vector<int>* ExportContext::ChwFlatten(int index) const {
  auto it = chw_flatten_.find(index);
  return it == chw_flatten_.end() ? nullptr : &it->second;
}

bool ExportContext::HeldAsFloat(const QfmTensor& t) { return !t.quantized() || t.dtype == qfm::DType::FLOAT32; }

bool ExportContext::GridClamps(int activation, int index) const {
  const QfmTensor& t = tensor(index);
  if (activation == 0) return true;
  if (t.dtype != qfm::DType::INT8 || t.per_channel() || t.zero_point[0] != -128) return false;
  return activation == 1 || (127 + 128) * static_cast<double>(t.scale[0]) <= 6.0 * (1 + 1e-6);
}

bool ExportContext::IntegerLayer(int input, int weights, int output) const {
  const QfmTensor &x = tensor(input), &w = tensor(weights), &y = tensor(output);
  return qoperator_ && x.dtype == qfm::DType::INT8 && w.dtype == qfm::DType::INT8 && y.dtype == qfm::DType::INT8 &&
         x.bits == 0 && y.bits == 0;
}

int32_t ExportContext::StoredType(int index) const {
  const qfm::DType dtype = tensor(index).dtype;
  return dtype == qfm::DType::INT8 && uint8_activations_ ? onnx::TensorProto::UINT8 : OnnxElemType(dtype);
}

std::vector<int> ExportContext::OnnxShape(int index) const {
  const std::vector<int>& s = tensor(index).shape;
  return s.size() == 4 ? interop::PermutedShape(s, kToNchw) : s;
}

int ExportContext::OnnxAxis(int index, int axis) const {
  const int rank = static_cast<int>(tensor(index).shape.size());
  if (axis < 0) axis += rank;
  if (rank != 4) return axis;
  return static_cast<int>(std::find(kToNchw.begin(), kToNchw.end(), axis) - kToNchw.begin());
}

}  // namespace qforge::onnx_export
