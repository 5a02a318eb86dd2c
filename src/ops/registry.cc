// The op registry: type name -> factory from attributes. One table for the built-in ops, so a
// new op is one line; layers above (quantization's FakeQuant) add theirs with RegisterOpType.
#include <map>
#include <mutex>

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

std::map<std::string, OpFactory, std::less<>>& Registry() {
  static std::map<std::string, OpFactory, std::less<>> registry{
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
  };
  return registry;
}

std::mutex& RegistryMutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace

Status RegisterOpType(const std::string& type, OpFactory factory) {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  auto [it, inserted] = Registry().emplace(type, factory);
  if (!inserted && it->second != factory) return InvalidArgument("op type '{}' is already registered", type);
  return Status::Ok();
}

StatusOr<std::unique_ptr<Op>> CreateOp(std::string_view type, const nlohmann::json& attrs) {
  OpFactory factory = nullptr;
  {
    std::lock_guard<std::mutex> lock(RegistryMutex());
    auto it = Registry().find(type);
    if (it == Registry().end()) return NotFound("unknown op type '{}'", type);
    factory = it->second;
  }
  if (!attrs.is_object() && !attrs.is_null())
    return InvalidArgument("attributes of op '{}' must be an object", type);
  try {
    return factory(attrs.is_null() ? nlohmann::json::object() : attrs);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument("bad attributes for op '{}': {}", type, e.what());
  }
}

std::vector<std::string> RegisteredOpTypes() {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  std::vector<std::string> types;
  for (const auto& [name, factory] : Registry()) types.push_back(name);
  return types;
}

}  // namespace qforge
