// FakeQuant op: shape checks against the quantizer's parameters, forward and backward through
// the quantizer.
#include "quant/fake_quant_op.h"

#include <algorithm>

namespace qforge::quant {

StatusOr<std::unique_ptr<Op>> FakeQuantOp::FromAttrs(const nlohmann::json& attrs) {
  const std::string type = attrs.at("quantizer").get<std::string>();
  QF_ASSIGN_OR_RETURN(std::unique_ptr<Quantizer> q, CreateQuantizer(type, attrs.value("config", nlohmann::json::object())));
  return std::unique_ptr<Op>(new FakeQuantOp(std::move(q), attrs.value("enabled", true), attrs.value("observing", true)));
}

nlohmann::json FakeQuantOp::attrs() const {
  return {{"quantizer", std::string(quantizer_->type())},
          {"config", quantizer_->attrs()},
          {"enabled", enabled_},
          {"observing", observing_}};
}

StatusOr<Shape> FakeQuantOp::InferShape(const std::vector<Shape>& inputs) const {
  if (inputs.empty()) return InvalidArgument("FakeQuant takes the tensor to quantize");
  const std::vector<QuantizerParam> params = quantizer_->Params(inputs[0]);
  if (inputs.size() != params.size() + 1)
    return InvalidArgument("FakeQuant ({}) takes {} parameter inputs, got {}", quantizer_->type(), params.size(),
                           inputs.size() - 1);
  for (size_t i = 0; i < params.size(); ++i)
    if (inputs[i + 1] != params[i].shape)
      return InvalidArgument("FakeQuant ({}) parameter '{}' has shape {}, expected {}", quantizer_->type(),
                             params[i].name, ShapeToString(inputs[i + 1]), ShapeToString(params[i].shape));
  return inputs[0];
}

void FakeQuantOp::Forward(const OpContext& ctx, const std::vector<Tensor*>& inputs, Tensor& output) {
  if (!enabled_) {
    std::copy(inputs[0]->data(), inputs[0]->data() + inputs[0]->size(), output.data());
    return;
  }
  const std::vector<Tensor*> params(inputs.begin() + 1, inputs.end());
  quantizer_->set_replicas(ctx.replicas);
  quantizer_->Forward(ctx.training && observing_, *inputs[0], params, output);
}

void FakeQuantOp::Backward(const OpContext&, const std::vector<Tensor*>& inputs, const Tensor&,
                           const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) {
  if (!enabled_) {
    if (grad_inputs[0]) std::copy(grad_output.data(), grad_output.data() + grad_output.size(), grad_inputs[0]->data());
    for (size_t i = 1; i < grad_inputs.size(); ++i)
      if (grad_inputs[i]) std::fill_n(grad_inputs[i]->data(), grad_inputs[i]->size(), 0.0f);
    return;
  }
  const std::vector<Tensor*> params(inputs.begin() + 1, inputs.end());
  const std::vector<Tensor*> dparams(grad_inputs.begin() + 1, grad_inputs.end());
  quantizer_->Backward(*inputs[0], params, grad_output, grad_inputs[0], dparams);
}

Status RegisterQuantOps() { return RegisterOpType(std::string(FakeQuantOp::kType), &FakeQuantOp::FromAttrs); }

}  // namespace qforge::quant
