// GraphBuilder: layer helpers over Graph, with parameter initialization.
#include "graph/builder.h"

#include <cctype>
#include <cmath>

#include "ops/activations.h"
#include "ops/batch_norm.h"
#include "ops/channel_layout.h"
#include "ops/conv2d.h"
#include "ops/dense.h"
#include "ops/dropout.h"
#include "ops/pooling.h"
#include "ops/softmax.h"
#include "ops/tensor_ops.h"

namespace qforge {

bool GraphBuilder::Failed(std::initializer_list<int> vs) const {
  if (!status_.ok()) return true;
  for (int v : vs)
    if (v < 0) return true;
  return false;
}

int GraphBuilder::AddNode(const std::string& prefix, StatusOr<std::unique_ptr<Op>> op,
                          std::vector<int> inputs) {
  if (!status_.ok()) return -1;
  if (!op.ok()) {
    status_ = op.status();
    return -1;
  }
  const std::string name = prefix + std::to_string(++counters_[prefix]);
  auto id = graph_.AddNode(name, std::move(op).value(), inputs);
  if (!id.ok()) {
    status_ = id.status();
    return -1;
  }
  return *id;
}

int GraphBuilder::AddParam(const std::string& name, Tensor t, bool trainable) {
  auto id = graph_.AddParam(name, std::move(t), trainable);
  if (!id.ok()) {
    status_ = id.status();
    return -1;
  }
  return *id;
}

Tensor GraphBuilder::HeUniform(const Shape& shape, int64_t fan_in) {
  Tensor t(shape);
  const float bound = std::sqrt(6.0f / static_cast<float>(fan_in));
  for (int64_t i = 0; i < t.size(); ++i) t[i] = rng_.Uniform(-bound, bound);
  return t;
}

int GraphBuilder::Input(const std::string& name, const Shape& shape) {
  if (!status_.ok()) return -1;
  auto id = graph_.AddInput(name, shape);
  if (!id.ok()) {
    status_ = id.status();
    return -1;
  }
  return *id;
}

int GraphBuilder::Conv2D(int x, int64_t out_channels, int64_t kernel, const ConvOptions& o) {
  if (Failed({x})) return -1;
  const Shape& in = ShapeOf(x);
  if (in.size() != 4 || o.groups < 1 || in[1] % o.groups || out_channels % o.groups ||
      kernel < 1 || o.stride < 1 || o.dilation < 1) {
    status_ = InvalidArgument("Conv2D({} filters, kernel {}, groups {}) does not fit input {}",
                              out_channels, kernel, o.groups, ShapeToString(in));
    return -1;
  }
  Window2D win;
  win.kernel = {kernel, kernel};
  win.stride = {o.stride, o.stride};
  win.dilation = {o.dilation, o.dilation};
  if (o.padding == Padding::kSame)
    win.pads = Window2D::SamePads(in[2], in[3], win.kernel, win.stride, win.dilation);
  const std::string prefix = o.groups == in[1] && o.groups > 1 ? "dwconv" : "conv";
  const std::string name = prefix + std::to_string(counters_[prefix] + 1);
  const int64_t icg = in[1] / o.groups;
  std::vector<int> inputs{x, AddParam(name + "/weight",
                                      HeUniform({out_channels, icg, kernel, kernel}, icg * kernel * kernel),
                                      true)};
  if (o.bias) inputs.push_back(AddParam(name + "/bias", Tensor({out_channels}), true));
  return AddNode(prefix, std::unique_ptr<Op>(new Conv2DOp(win, o.groups)), inputs);
}

int GraphBuilder::DepthwiseConv2D(int x, int64_t kernel, ConvOptions o) {
  if (Failed({x})) return -1;
  o.groups = ShapeOf(x).size() == 4 ? ShapeOf(x)[1] : 1;
  return Conv2D(x, o.groups, kernel, o);
}

int GraphBuilder::Dense(int x, int64_t units, bool bias) {
  if (Failed({x})) return -1;
  const Shape& in = ShapeOf(x);
  if (in.size() != 2 || units < 1) {
    status_ = InvalidArgument("Dense({}) needs a [N, K] input, got {}", units, ShapeToString(in));
    return -1;
  }
  const std::string name = "dense" + std::to_string(counters_["dense"] + 1);
  std::vector<int> inputs{x, AddParam(name + "/weight", HeUniform({units, in[1]}, in[1]), true)};
  if (bias) inputs.push_back(AddParam(name + "/bias", Tensor({units}), true));
  return AddNode("dense", std::unique_ptr<Op>(new DenseOp()), inputs);
}

int GraphBuilder::BatchNorm(int x, float eps, float momentum) {
  return AddBatchNorm(x, eps, momentum, false);
}

int GraphBuilder::BatchNormRelu(int x, float eps, float momentum) {
  return AddBatchNorm(x, eps, momentum, true);
}

int GraphBuilder::AddBatchNorm(int x, float eps, float momentum, bool fuse_relu) {
  if (Failed({x})) return -1;
  if (ShapeOf(x).size() < 2) {
    status_ = InvalidArgument("BatchNorm needs a channel dimension");
    return -1;
  }
  const int64_t c = ShapeOf(x)[1];
  const std::string name = "bn" + std::to_string(counters_["bn"] + 1);
  std::vector<int> inputs{x, AddParam(name + "/gamma", Tensor({c}, 1.0f), true),
                          AddParam(name + "/beta", Tensor({c}), true),
                          AddParam(name + "/running_mean", Tensor({c}), false),
                          AddParam(name + "/running_var", Tensor({c}, 1.0f), false)};
  return AddNode("bn", BatchNormOp::FromAttrs({{"eps", eps}, {"momentum", momentum}, {"fuse_relu", fuse_relu}}),
                 inputs);
}

int GraphBuilder::Relu(int x) { return AddNode("relu", ReluOp::FromAttrs({}), {x}); }
int GraphBuilder::Relu6(int x) { return AddNode("relu6_", Relu6Op::FromAttrs({}), {x}); }
int GraphBuilder::HardSwish(int x) { return AddNode("hswish", HardSwishOp::FromAttrs({}), {x}); }
int GraphBuilder::Sigmoid(int x) { return AddNode("sigmoid", SigmoidOp::FromAttrs({}), {x}); }
int GraphBuilder::HardSigmoid(int x) { return AddNode("hard_sigmoid", HardSigmoidOp::FromAttrs({}), {x}); }
int GraphBuilder::Silu(int x) { return AddNode("silu", SiluOp::FromAttrs({}), {x}); }
int GraphBuilder::Softmax(int x) { return AddNode("softmax", SoftmaxOp::FromAttrs({}), {x}); }

namespace {

Window2D PoolWindow(const Shape& in, int64_t kernel, const PoolOptions& o) {
  Window2D win;
  win.kernel = {kernel, kernel};
  const int64_t stride = o.stride > 0 ? o.stride : kernel;
  win.stride = {stride, stride};
  if (o.padding == Padding::kSame && in.size() == 4)
    win.pads = Window2D::SamePads(in[2], in[3], win.kernel, win.stride, {1, 1});
  return win;
}

}  // namespace

int GraphBuilder::MaxPool(int x, int64_t kernel, const PoolOptions& o) {
  if (Failed({x})) return -1;
  return AddNode("maxpool", PoolOp::MaxFromAttrs(WindowToJson(PoolWindow(ShapeOf(x), kernel, o))), {x});
}

int GraphBuilder::AvgPool(int x, int64_t kernel, const PoolOptions& o) {
  if (Failed({x})) return -1;
  return AddNode("avgpool", PoolOp::AvgFromAttrs(WindowToJson(PoolWindow(ShapeOf(x), kernel, o))), {x});
}

int GraphBuilder::GlobalAvgPool(int x) { return AddNode("gap", GlobalAvgPoolOp::FromAttrs({}), {x}); }
int GraphBuilder::Add(int a, int b) { return AddNode("add", AddOp::FromAttrs({}), {a, b}); }
int GraphBuilder::Mul(int a, int b) { return AddNode("mul", MulOp::FromAttrs({}), {a, b}); }
int GraphBuilder::ChannelShuffle(int x, int64_t groups) {
  return AddNode("shuffle", ChannelShuffleOp::FromAttrs({{"groups", groups}}), {x});
}
int GraphBuilder::SliceChannels(int x, int64_t begin, int64_t end) {
  return AddNode("slice", SliceChannelsOp::FromAttrs({{"begin", begin}, {"end", end}}), {x});
}
int GraphBuilder::OpOfType(const std::string& type, const nlohmann::json& attrs, std::vector<int> inputs) {
  std::string prefix = type;
  for (char& c : prefix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return AddNode(prefix, CreateOp(type, attrs), std::move(inputs));
}
int GraphBuilder::Concat(const std::vector<int>& xs) { return AddNode("concat", ConcatOp::FromAttrs({}), xs); }
int GraphBuilder::Flatten(int x) { return AddNode("flatten", ReshapeOp::FlattenFromAttrs({}), {x}); }
int GraphBuilder::Reshape(int x, const Shape& shape) {
  return AddNode("reshape", ReshapeOp::ReshapeFromAttrs({{"shape", shape}}), {x});
}
int GraphBuilder::Dropout(int x, float rate) {
  return AddNode("dropout", DropoutOp::FromAttrs({{"rate", rate}}), {x});
}

StatusOr<Graph> GraphBuilder::Finish(const std::vector<int>& outputs) {
  QF_RETURN_IF_ERROR(status_);
  QF_RETURN_IF_ERROR(graph_.SetOutputs(outputs));
  return std::move(graph_);
}

}  // namespace qforge
