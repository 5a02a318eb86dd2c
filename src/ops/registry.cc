// The op registry: type name -> factory from attributes. One table for the built-in ops (the
// activations come from their own list, ops/activations.h); layers above (quantization's
// FakeQuant) add theirs with RegisterOpType.
#include "core/registry.h"
#include "ops/activations.h"
#include "ops/batch_norm.h"
#include "ops/channel_layout.h"
#include "ops/channel_ops.h"
#include "ops/conv2d.h"
#include "ops/dense.h"
#include "ops/dropout.h"
#include "ops/insert_zeros.h"
#include "ops/op.h"
#include "ops/pooling.h"
#include "ops/resize.h"
#include "ops/softmax.h"
#include "ops/tensor_ops.h"

namespace qforge {
namespace {

std::map<std::string, OpFactory, std::less<>> BuiltInOps() {
  std::map<std::string, OpFactory, std::less<>> ops = {
      {std::string(AddOp::kType), &AddOp::FromAttrs},
      {std::string(AffineChannelsOp::kType), &AffineChannelsOp::FromAttrs},
      {std::string(PoolOp::kAvgType), &PoolOp::AvgFromAttrs},
      {std::string(BatchNormOp::kType), &BatchNormOp::FromAttrs},
      {std::string(BnFoldScaleOp::kType), &BnFoldScaleOp::FromAttrs},
      {std::string(ConcatOp::kType), &ConcatOp::FromAttrs},
      {std::string(Conv2DOp::kType), &Conv2DOp::FromAttrs},
      {std::string(DenseOp::kType), &DenseOp::FromAttrs},
      {std::string(DropoutOp::kType), &DropoutOp::FromAttrs},
      {std::string(ReshapeOp::kFlattenType), &ReshapeOp::FlattenFromAttrs},
      {std::string(GlobalAvgPoolOp::kType), &GlobalAvgPoolOp::FromAttrs},
      {std::string(InsertZerosOp::kType), &InsertZerosOp::FromAttrs},
      {std::string(PoolOp::kMaxType), &PoolOp::MaxFromAttrs},
      {std::string(ReshapeOp::kReshapeType), &ReshapeOp::ReshapeFromAttrs},
      {std::string(ResizeOp::kType), &ResizeOp::FromAttrs},
      {std::string(MulOp::kType), &MulOp::FromAttrs},
      {std::string(ChannelShuffleOp::kType), &ChannelShuffleOp::FromAttrs},
      {std::string(SliceChannelsOp::kType), &SliceChannelsOp::FromAttrs},
      {std::string(ScaleChannelsOp::kType), &ScaleChannelsOp::FromAttrs},
      {std::string(SoftmaxOp::kType), &SoftmaxOp::FromAttrs},
  };
  for (const auto& [type, factory] : ActivationFactories()) ops.emplace(type, factory);
  return ops;
}

Registry<OpFactory>& Ops() {
  static Registry<OpFactory> registry("op type", BuiltInOps());
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
