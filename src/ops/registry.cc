// The op registry: type name -> factory from attributes. One table for the built-in ops, so a
// new op is one line; layers above (quantization's FakeQuant) add theirs with RegisterOpType.
#include "core/registry.h"
#include "ops/activations.h"
#include "ops/batch_norm.h"
#include "ops/channel_ops.h"
#include "ops/conv2d.h"
#include "ops/dense.h"
#include "ops/dropout.h"
#include "ops/op.h"
#include "ops/pooling.h"
#include "ops/softmax.h"
#include "ops/tensor_ops.h"

namespace qforge {
namespace {

Registry<OpFactory>& Ops() {
  static Registry<OpFactory> registry("op type", {
      {"Add", &AddOp::FromAttrs},
      {"AvgPool", &PoolOp::AvgFromAttrs},
      {"BatchNorm", &BatchNormOp::FromAttrs},
      {"BnFoldScale", &BnFoldScaleOp::FromAttrs},
      {"Concat", &ConcatOp::FromAttrs},
      {"Conv2D", &Conv2DOp::FromAttrs},
      {"Dense", &DenseOp::FromAttrs},
      {"Dropout", &DropoutOp::FromAttrs},
      {"Flatten", &ReshapeOp::FlattenFromAttrs},
      {"GlobalAvgPool", &GlobalAvgPoolOp::FromAttrs},
      {"HardSwish", &HardSwishOp::FromAttrs},
      {"MaxPool", &PoolOp::MaxFromAttrs},
      {"Relu", &ReluOp::FromAttrs},
      {"Relu6", &Relu6Op::FromAttrs},
      {"Reshape", &ReshapeOp::ReshapeFromAttrs},
      {"ScaleChannels", &ScaleChannelsOp::FromAttrs},
      {"Sigmoid", &SigmoidOp::FromAttrs},
      {"Softmax", &SoftmaxOp::FromAttrs},
  });
  return registry;
}

}  // namespace

Status RegisterOpType(const std::string& type, OpFactory factory) { return Ops().Add(type, factory); }

StatusOr<std::unique_ptr<Op>> CreateOp(std::string_view type, const nlohmann::json& attrs) {
  QF_ASSIGN_OR_RETURN(const OpFactory factory, Ops().Find(type));
  if (!attrs.is_object() && !attrs.is_null())
    return InvalidArgument("attributes of op '{}' must be an object", type);
  try {
    return factory(attrs.is_null() ? nlohmann::json::object() : attrs);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument("bad attributes for op '{}': {}", type, e.what());
  }
}

std::vector<std::string> RegisteredOpTypes() { return Ops().Names(); }

}  // namespace qforge
