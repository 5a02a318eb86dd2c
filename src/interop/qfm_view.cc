// QfmView (see qfm_view.h).
#include "interop/qfm_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "runtime/interpreter.h"

namespace qforge::interop {

int64_t QfmTensor::elements() const {
  int64_t n = 1;
  for (int d : shape) n *= d;
  return n;
}

std::string QfmOp::Label() const { return fmt::format("operator {} ({})", index, qfm::EnumNameOpType(type)); }

namespace {

QfmTensor ReadTensor(const runtime::Model& model, const qfm::Tensor& t) {
  QfmTensor out;
  out.dtype = t.dtype();
  if (t.shape()) out.shape.assign(t.shape()->begin(), t.shape()->end());
  if (t.buffer() != 0 && model.buffer_size(t.buffer()) > 0) {
    out.data = model.buffer_data(t.buffer());
    out.bytes = model.buffer_size(t.buffer());
  }
  if (const qfm::Quantization* q = t.quantization(); q && q->scale() && q->scale()->size() > 0) {
    out.scale.assign(q->scale()->begin(), q->scale()->end());
    if (q->zero_point() && q->zero_point()->size() > 0) out.zero_point.assign(q->zero_point()->begin(), q->zero_point()->end());
    out.zero_point.resize(out.scale.size(), out.zero_point.empty() ? 0 : out.zero_point[0]);
    out.axis = q->quantized_dimension();
    out.bits = q->bits();
  }
  return out;
}

// Names that are unique and non-empty, the file's own where it has them.
void NameTensors(const qfm::Model& flat, std::vector<QfmTensor>* tensors) {
  std::set<std::string> taken;
  for (size_t i = 0; i < tensors->size(); ++i) {
    const qfm::Tensor& t = *flat.tensors()->Get(static_cast<uint32_t>(i));
    std::string name = t.name() && t.name()->size() > 0 ? t.name()->str() : fmt::format("t{}", i);
    for (int k = 2; taken.count(name); ++k) name = fmt::format("{}_{}", name, k);
    taken.insert(name);
    (*tensors)[i].name = name;
  }
}

}  // namespace

StatusOr<QfmView> QfmView::Make(std::shared_ptr<const runtime::Model> model, const QfmViewOptions& options) {
  {
    QF_ASSIGN_OR_RETURN(auto interpreter, runtime::Interpreter::Create(model));
    (void)interpreter;
  }
  QfmView v;
  v.model_ = model;
  const qfm::Model& flat = model->flat();
  if (flat.metadata()) v.metadata_ = flat.metadata()->str();
  if (flat.producer()) v.producer_ = flat.producer()->str();
  for (const qfm::Tensor* t : *flat.tensors()) v.tensors_.push_back(ReadTensor(*model, *t));
  NameTensors(flat, &v.tensors_);
  v.inputs_.assign(flat.inputs()->begin(), flat.inputs()->end());
  v.outputs_.assign(flat.outputs()->begin(), flat.outputs()->end());

  std::vector<QfmOp> ops;
  for (uint32_t i = 0; i < flat.operators()->size(); ++i) {
    const qfm::Operator* op = flat.operators()->Get(i);
    QfmOp o;
    o.type = op->type();
    o.flat = op;
    o.index = static_cast<int>(i);
    if (op->inputs()) o.inputs.assign(op->inputs()->begin(), op->inputs()->end());
    if (op->outputs()) o.outputs.assign(op->outputs()->begin(), op->outputs()->end());
    ops.push_back(std::move(o));
  }
  // --int8-io: the model starts after the QUANTIZE of each float input and ends before the
  // DEQUANTIZE of each float output.
  std::vector<bool> dropped(ops.size(), false);
  if (options.int8_io) {
    for (int& input : v.inputs_) {
      if (v.tensors_[input].dtype != qfm::DType::FLOAT32) continue;
      std::vector<size_t> readers;
      for (size_t k = 0; k < ops.size(); ++k)
        if (std::count(ops[k].inputs.begin(), ops[k].inputs.end(), input)) readers.push_back(k);
      if (readers.size() != 1 || ops[readers[0]].type != qfm::OpType::QUANTIZE)
        return InvalidArgument("--int8-io: the model's input '{}' is float and not quantized at the input; "
                               "integer input needs an int8 or int16x8 model", v.tensors_[input].name);
      dropped[readers[0]] = true;
      input = ops[readers[0]].outputs[0];
    }
    for (int& output : v.outputs_) {
      if (v.tensors_[output].dtype != qfm::DType::FLOAT32) continue;
      auto producer = std::find_if(ops.begin(), ops.end(), [&](const QfmOp& o) { return o.outputs[0] == output; });
      const int dequantized = output;
      const bool read = std::any_of(ops.begin(), ops.end(), [&](const QfmOp& o) {
        return std::count(o.inputs.begin(), o.inputs.end(), dequantized) > 0;
      });
      if (producer == ops.end() || producer->type != qfm::OpType::DEQUANTIZE || read)
        return InvalidArgument("--int8-io: the model's output '{}' is float and not dequantized at the output; "
                               "integer output needs an int8 or int16x8 model", v.tensors_[output].name);
      dropped[producer - ops.begin()] = true;
      output = producer->inputs[0];
    }
  }
  for (size_t k = 0; k < ops.size(); ++k)
    if (!dropped[k]) v.ops_.push_back(std::move(ops[k]));
  v.consumers_.assign(v.tensors_.size(), {});
  for (size_t k = 0; k < v.ops_.size(); ++k)
    for (int input : v.ops_[k].inputs)
      if (input >= 0) v.consumers_[input].push_back(static_cast<int>(k));
  return v;
}

bool QfmView::IsModelOutput(int index) const {
  return std::find(outputs_.begin(), outputs_.end(), index) != outputs_.end();
}

std::vector<int> PermutedShape(const std::vector<int>& shape, const std::vector<int>& perm) {
  std::vector<int> out;
  for (int p : perm) out.push_back(shape.at(p));
  return out;
}

std::vector<uint8_t> PermuteDims(const uint8_t* data, const std::vector<int>& shape, int element_bytes,
                                 const std::vector<int>& perm) {
  const int rank = static_cast<int>(shape.size());
  std::vector<int64_t> in_stride(rank, 1);
  for (int d = rank - 2; d >= 0; --d) in_stride[d] = in_stride[d + 1] * shape[d + 1];
  const std::vector<int> out_shape = PermutedShape(shape, perm);
  int64_t count = 1;
  for (int d : shape) count *= d;
  std::vector<uint8_t> out(static_cast<size_t>(count) * element_bytes);
  std::vector<int> index(rank, 0);  // position in the output
  for (int64_t i = 0; i < count; ++i) {
    int64_t source = 0;
    for (int k = 0; k < rank; ++k) source += index[k] * in_stride[perm[k]];
    std::memcpy(out.data() + i * element_bytes, data + source * element_bytes, element_bytes);
    for (int k = rank - 1; k >= 0 && ++index[k] == out_shape[k]; --k) index[k] = 0;
  }
  return out;
}

}  // namespace qforge::interop
