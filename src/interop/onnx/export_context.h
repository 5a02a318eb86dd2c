// ExportContext: builds the ONNX graph of a .qfm model, one operator at a time. It owns the
// naming and the layout change (the .qfm's NHWC activations are NCHW in the ONNX graph, as ONNX
// operators and their users expect) and the quantization form: in the QDQ form a quantized
// activation is an int8 value made by QuantizeLinear, read back through DequantizeLinear by the
// operators that compute in real numbers, and quantized weights and biases are integer
// initializers behind DequantizeLinear — what ONNX Runtime and TensorRT turn back into integer
// kernels.
#pragma once

#include <onnx/onnx_pb.h>

#include <map>
#include <string>
#include <vector>

#include "interop/exporter_table.h"
#include "interop/qfm_view.h"

namespace qforge::onnx_export {

using interop::QfmOp;
using interop::QfmTensor;
using interop::QfmView;

// qfm dimension order -> ONNX order: NHWC -> NCHW.
inline const std::vector<int> kToNchw = {0, 3, 1, 2};

class ExportContext {
 public:
  // `uint8_activations`: int8 activations are written as uint8 (the same grid moved up by 128),
  // the form ONNX Runtime's x86 integer kernels take.
  ExportContext(const QfmView& view, onnx::GraphProto* graph, bool uint8_activations)
      : view_(view), graph_(graph), uint8_activations_(uint8_activations) {}

  const QfmView& view() const { return view_; }
  const QfmTensor& tensor(int index) const { return view_.tensor(index); }

  // The ONNX value holding tensor `index` as stored (int8 for a quantized activation, float
  // otherwise), in ONNX layout.
  std::string Raw(int index) const { return Name(index); }
  // Tensor `index` in real numbers: the tensor itself when float, else a DequantizeLinear of it
  // for this reader alone.
  std::string Float(int index);
  // Where an operator writes the real-number value of tensor `index`; Produced(index) then
  // quantizes it when the tensor is quantized.
  std::string FloatResult(int index);
  void Produced(int index);
  // The real value of tensor `index` is `value` (computed already): Produced(index) quantizes it.
  void SetFloatResult(int index, const std::string& value) { real_results_[index] = value; }
  // Dequantizes quantized tensor `index` into the value `value`.
  void DequantizeInto(int index, const std::string& value);
  // Quantizes the real-number value `value` with tensor `like`'s parameters into a new value.
  std::string QuantizeLike(const std::string& value, int like);

  // A constant tensor as float in ONNX layout (dimension k = qfm dimension perm[k]; empty perm
  // keeps the order): a float initializer, a float16 one with a Cast, or an integer one with
  // its (per-channel) DequantizeLinear. `columns` optionally reorders the last dimension.
  std::string Weight(int index, const std::vector<int>& perm, const std::vector<int>& columns = {});
  // A quantized (or float16) constant as stored, in ONNX layout as Weight arranges it, with its
  // scale and zero point initializers when quantized and its channel axis.
  struct Stored {
    std::string value, scale, zero;
    int axis = 0;
  };
  Stored StoredConstant(int index, const std::vector<int>& perm, const std::vector<int>& columns = {});
  // A layer's bias: float as is; int32 as DequantizeLinear with scale input scale x weight scale.
  std::string Bias(int index, int input, int weights);

  // Initializers: an empty one of `type` and `dims` to fill, or filled with `values`.
  onnx::TensorProto* Initializer(const std::string& name, int32_t type, const std::vector<int>& dims);
  std::string Int64s(const std::string& base, const std::vector<int64_t>& values, bool scalar = false);
  std::string Floats(const std::string& base, const std::vector<float>& values, bool scalar = false);

  // Adds a node; returns it for attributes.
  onnx::NodeProto* Node(const std::string& op_type, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs);
  // A name no other value has, from `base`.
  std::string Fresh(const std::string& base);
  // Applies a fused activation (0 none, 1 RELU, 2 RELU6) to `value` into `out`, or returns
  // `value` itself when there is none (`out` is then unused).
  std::string Activation(int activation, const std::string& value, const std::string& out);

  // A value in CHW order that stands for an NHWC flattening: the dense layers reading it
  // reorder their weight columns instead (Flatten of NCHW, then Gemm, as exporters from
  // PyTorch write it).
  void MarkChwFlatten(int index, std::vector<int> hwc) { chw_flatten_[index] = std::move(hwc); }
  const std::vector<int>* ChwFlatten(int index) const;

  // An activation's scale and zero point initializers, made once.
  std::pair<std::string, std::string> ActivationParams(int index);
  // --onnx-form qoperator: integer layers as QLinearConv / QLinearMatMul / QLinearAdd.
  bool qoperator() const { return qoperator_; }
  // qoperator form and int8 input, weights (or second input) and output on full 8-bit grids.
  bool IntegerLayer(int input, int weights, int output) const;
  // Quantizing onto tensor `index`'s grid already applies fused activation `activation` (0 none,
  // 1 RELU, 2 RELU6): the grid starts at real 0 (and for RELU6 ends at or below 6).
  bool GridClamps(int activation, int index) const;
  void set_qoperator(bool on) { qoperator_ = on; }
  // The ONNX element type an activation is stored in.
  int32_t StoredType(int index) const;
  // The ONNX dimensions of tensor `index` (batch symbolic at export).
  std::vector<int> OnnxShape(int index) const;
  // The ONNX axis of a .qfm axis of tensor `index`.
  int OnnxAxis(int index, int axis) const;

 private:
  std::string Name(int index) const { return view_.tensor(index).name; }
  // A tensor whose ONNX value is real numbers (float, or unquantized).
  static bool HeldAsFloat(const QfmTensor& t);
  template <typename T>
  std::string Values(const std::string& base, int32_t type, const std::vector<T>& values, bool scalar);
  // Scale and zero point initializers of `t` (zero point of ONNX type `zero_point_type`).
  std::pair<std::string, std::string> QuantParams(const QfmTensor& t, int32_t zero_point_type);
  // QuantizeLinear of `value` on tensor `like`'s grid into `out`.
  void Quantize(const std::string& value, int like, const std::string& out);

  const QfmView& view_;
  onnx::GraphProto* graph_;
  bool uint8_activations_;
  bool qoperator_ = false;
  std::map<int, std::string> real_results_;  // FloatResult names
  std::map<int, std::pair<std::string, std::string>> activation_params_;
  std::map<int, std::vector<int>> chw_flatten_;
  std::map<std::string, int> used_names_;
};

// The ONNX element type of a .qfm type.
int32_t OnnxElemType(qfm::DType dtype);

// Node attributes.
void SetInt(onnx::NodeProto* n, const std::string& name, int64_t value);
void SetInts(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& values);
void SetFloat(onnx::NodeProto* n, const std::string& name, float value);
void SetString(onnx::NodeProto* n, const std::string& name, const std::string& value);

// One operator's exporter: adds the nodes computing the operator's outputs, or says why the
// operator cannot be written.
using OpExporter = Status (*)(ExportContext& ctx, const QfmOp& op);
using ExporterRow = interop::ExporterRow<OpExporter>;
std::vector<ExporterRow> LayerExporters();        // export_layers.cc: convolutions, dense, pooling, mean
std::vector<ExporterRow> ElementwiseExporters();  // export_elementwise.cc: add, mul, activations, softmax, (de)quantize
std::vector<ExporterRow> ShapeExporters();        // export_shape.cc: concat, reshape, shuffle, slice, resize, insert zeros

}  // namespace qforge::onnx_export
