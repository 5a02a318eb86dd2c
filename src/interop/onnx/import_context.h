// The importer's state while it walks an ONNX graph: which qforge value (or constant) each ONNX
// tensor is, the qforge graph being built, and the helpers every node importer uses to read
// inputs and attributes and to add nodes and parameters.
#pragma once

#include <onnx/onnx_pb.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "interop/onnx/onnx_tensor.h"

namespace qforge::onnx_import {

// An ONNX tensor as the importer knows it: an activation (a graph value) or a constant.
struct ImportedValue {
  int id = -1;            // graph value id; -1 for a constant
  Shape shape;            // the ONNX shape; dim 0 is the batch (-1) for activations
  ConstTensor constant;   // when id == -1
  bool is_constant() const { return id < 0; }
};

// A node's attributes, read with defaults. A present attribute of the wrong type records an
// error (status()) and yields the default.
class NodeAttrs {
 public:
  explicit NodeAttrs(const onnx::NodeProto& node);
  bool Has(const std::string& name) const { return by_name_.count(name) > 0; }
  int64_t Int(const std::string& name, int64_t def);
  float Float(const std::string& name, float def);
  std::string String(const std::string& name, const std::string& def);
  std::vector<int64_t> Ints(const std::string& name, std::vector<int64_t> def);
  std::vector<float> Floats(const std::string& name);  // empty when absent
  const onnx::TensorProto* TensorAttr(const std::string& name);
  const Status& status() const { return status_; }

 private:
  const onnx::AttributeProto* Find(const std::string& name, onnx::AttributeProto::AttributeType type);
  std::map<std::string, const onnx::AttributeProto*> by_name_;
  Status status_;
};

// The error code a node importer returns when an input comes from a node that was not imported:
// the driver then skips the node without listing it (the first failure is listed).
inline constexpr StatusCode kInputNotImported = StatusCode::kFailedPrecondition;

class ImportContext {
 public:
  explicit ImportContext(int opset) : opset_(opset) {}

  Graph& graph() { return graph_; }
  int opset() const { return opset_; }
  // The batch size the model's inputs fix (an export without a dynamic batch), or -1.
  int64_t fixed_batch() const { return fixed_batch_; }
  void set_fixed_batch(int64_t batch) { fixed_batch_ = batch; }

  bool HasInput(const onnx::NodeProto& n, int i) const { return i < n.input_size() && !n.input(i).empty(); }
  StatusOr<const ImportedValue*> Input(const onnx::NodeProto& n, int i) const;
  // The input as a constant; an error saying `what` must be constant otherwise.
  StatusOr<const ConstTensor*> ConstantInput(const onnx::NodeProto& n, int i, const std::string& what) const;
  // The input as a graph value whose qforge shape is its ONNX shape.
  StatusOr<int> Activation(const onnx::NodeProto& n, int i);
  // The input as a graph value in any shape with its ONNX element order (Flatten, Reshape, Gemm
  // read it so: a global pooling's [N, C] needs no reshape to [N, C, 1, 1] and back).
  StatusOr<int> ActivationAnyShape(const onnx::NodeProto& n, int i) const;

  // A parameter holding `t`, named `name` (one parameter per name: the first call creates it).
  StatusOr<int> Param(const std::string& name, const Tensor& t, bool trainable);
  // Adds `op` on `inputs`, named after the ONNX node (plus `suffix`); returns its value id.
  StatusOr<int> AddNode(const onnx::NodeProto& n, std::unique_ptr<Op> op, const std::vector<int>& inputs,
                        const std::string& suffix = "");

  // Records what an ONNX tensor is.
  void SetActivation(const std::string& name, int id, Shape onnx_shape);
  void SetActivation(const std::string& name, int id);  // ONNX shape = the value's shape
  void SetConstant(const std::string& name, ConstTensor c);
  void Alias(const std::string& name, const ImportedValue& v) { values_[name] = v; }
  const ImportedValue* Find(const std::string& name) const;

 private:
  std::string UniqueNodeName(const onnx::NodeProto& n, const std::string& suffix);

  int opset_;
  int64_t fixed_batch_ = -1;
  Graph graph_;
  std::map<std::string, ImportedValue> values_;
  std::map<std::string, int> params_;
  std::set<std::string> node_names_;
  std::map<int, int> reshaped_;  // value -> its reshape to the ONNX shape
};

}  // namespace qforge::onnx_import
