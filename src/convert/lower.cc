// Lowering: walks the training graph in order (graph/rewriter.h), emitting deploy layers and
// folding/fusing batch norm and activations into the layer that produced their input when that
// layer's output has no other reader.
#include "convert/lower.h"

#include <cmath>
#include <limits>
#include <unordered_set>

#include "graph/rewriter.h"
#include "ops/activations.h"
#include "ops/batch_norm.h"
#include "ops/channel_layout.h"
#include "ops/channel_ops.h"
#include "ops/conv2d.h"
#include "ops/dense.h"
#include "ops/dropout.h"
#include "ops/insert_zeros.h"
#include "ops/pooling.h"
#include "ops/resize.h"
#include "ops/softmax.h"
#include "ops/tensor_ops.h"

namespace qforge::convert {

namespace {

// Training ops that run as an element-wise operator of the runtime (its inputs the same shape),
// each with its own output grid when quantized.
struct ElementwiseRule {
  std::string_view type;
  qfm::OpType runtime_op;
  LayerKind kind;  // kUnary or kBinary
};
constexpr ElementwiseRule kElementwiseRules[] = {
    {AddOp::kType, qfm::OpType::ADD, LayerKind::kBinary},
    {MulOp::kType, qfm::OpType::MUL, LayerKind::kBinary},
    {HardSwishOp::kType, qfm::OpType::HARD_SWISH, LayerKind::kUnary},
    {HardSigmoidOp::kType, qfm::OpType::HARD_SIGMOID, LayerKind::kUnary},
    {SigmoidOp::kType, qfm::OpType::SIGMOID, LayerKind::kUnary},
    {SiluOp::kType, qfm::OpType::SILU, LayerKind::kUnary},
    {ClipOp::kType, qfm::OpType::CLIP, LayerKind::kUnary},
};

const ElementwiseRule* FindElementwiseRule(std::string_view type) {
  for (const ElementwiseRule& rule : kElementwiseRules)
    if (rule.type == type) return &rule;
  return nullptr;
}

// The distinct values of a clustered weight tensor (see DeployLayer::shared_values), else 0.
int SharedValues(const Tensor& w) {
  std::unordered_set<float> seen;
  for (int64_t i = 0; i < w.size(); ++i) {
    seen.insert(w.data()[i] == 0.0f ? 0.0f : w.data()[i]);  // -0 and +0 are one value
    if (seen.size() > 256) return 0;
  }
  return static_cast<int64_t>(seen.size()) * 4 <= w.size() ? static_cast<int>(seen.size()) : 0;
}

class Lowering {
 public:
  explicit Lowering(const Graph& g) : graph_(g), walk_(g) {}

  StatusOr<DeployGraph> Run() {
    if (graph_.inputs().size() != 1 || graph_.outputs().size() != 1)
      return InvalidArgument("the converter takes models with one input and one output (this one has {} and {})",
                             graph_.inputs().size(), graph_.outputs().size());
    const Value& in = graph_.values()[graph_.inputs()[0]];
    if (in.shape.size() != 4 && in.shape.size() != 2)
      return InvalidArgument("input '{}' must be [N, C, H, W] or [N, features], not {}", in.name, ShapeToString(in.shape));
    walk_.Map(graph_.inputs()[0], NewValue(in.name, Nhwc(in.shape)));
    QF_RETURN_IF_ERROR(walk_.Walk([this](const Node& n) { return LowerNode(n); }));
    deploy_.output = walk_.mapped(graph_.outputs()[0]);
    deploy_.deploy_value_of = walk_.value_map();
    if (flatten_dims_[deploy_.output][0] != 0)
      return InvalidArgument("the model's output is a flattened NCHW tensor; add a Dense layer after it");
    return std::move(deploy_);
  }

 private:
  static std::vector<int> Nhwc(const Shape& s) {
    if (s.size() == 4) return {1, static_cast<int>(s[2]), static_cast<int>(s[3]), static_cast<int>(s[1])};
    return {1, static_cast<int>(s[1])};
  }

  int NewValue(const std::string& name, std::vector<int> shape) {
    deploy_.values.push_back({name, std::move(shape)});
    producer_.push_back(-1);
    flatten_dims_.push_back({0, 0, 0});
    return static_cast<int>(deploy_.values.size()) - 1;
  }

  DeployLayer& AddLayer(LayerKind kind, const Node& n, std::vector<int> inputs) {
    DeployLayer l;
    l.kind = kind;
    l.name = n.name;
    l.inputs = std::move(inputs);
    l.output = NewValue(n.name, Nhwc(graph_.values()[n.output].shape));
    producer_[l.output] = static_cast<int>(deploy_.layers.size());
    walk_.Map(n.output, l.output);
    deploy_.layers.push_back(std::move(l));
    return deploy_.layers.back();
  }

  Status NodeError(const Node& n, const std::string& message) const {
    return InvalidArgument("node '{}' ({}): {}", n.name, n.op->type(), message);
  }

  StatusOr<const Tensor*> Param(const Node& n, size_t i) const {
    if (i >= n.inputs.size() || graph_.values()[n.inputs[i]].kind != ValueKind::kParam)
      return NodeError(n, "input " + std::to_string(i) + " must be a parameter");
    return &graph_.params()[graph_.values()[n.inputs[i]].index].tensor;
  }

  // The deploy value of a non-parameter input; values flattened in NCHW order may only feed Dense.
  StatusOr<int> Input(const Node& n, size_t i, bool allow_nchw_flatten = false) const {
    const int d = walk_.mapped(n.inputs[i]);
    if (d < 0) return NodeError(n, "input " + std::to_string(i) + " is not an activation");
    if (!allow_nchw_flatten && flatten_dims_[d][0] != 0)
      return NodeError(n, "consumes a flattened [C, H, W] tensor, whose NCHW element order the NHWC runtime does not keep; only Dense may follow a Flatten");
    return d;
  }

  // The deploy values of all of a node's inputs (none a flattened NCHW tensor).
  StatusOr<std::vector<int>> Inputs(const Node& n) const {
    std::vector<int> xs;
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      QF_ASSIGN_OR_RETURN(const int x, Input(n, i));
      xs.push_back(x);
    }
    return xs;
  }

  // The layer that produced deploy value `d` if training value `v` (its alias) may be fused
  // into it: `v` has no other consumer and the layer has no activation yet.
  DeployLayer* Fusable(int v, std::initializer_list<LayerKind> kinds) {
    const int d = walk_.mapped(v);
    if (d < 0 || producer_[d] < 0 || walk_.readers(v).size() != 1) return nullptr;
    DeployLayer& l = deploy_.layers[producer_[d]];
    if (l.activation != FusedActivation::kNone) return nullptr;
    for (LayerKind k : kinds)
      if (l.kind == k) return &l;
    return nullptr;
  }

  static void SetWindow(DeployLayer& l, const Window2D& w) {
    for (int i = 0; i < 2; ++i) {
      l.kernel[i] = static_cast<int>(w.kernel[i]);
      l.stride[i] = static_cast<int>(w.stride[i]);
      l.dilation[i] = static_cast<int>(w.dilation[i]);
    }
    for (int i = 0; i < 4; ++i) l.pads[i] = static_cast<int>(w.pads[i]);
  }

  Status LowerConv(const Node& n) {
    const auto& op = static_cast<const Conv2DOp&>(*n.op);
    QF_ASSIGN_OR_RETURN(const int x, Input(n, 0));
    QF_ASSIGN_OR_RETURN(const Tensor* w, Param(n, 1));
    const int in_c = deploy_.values[x].shape[3];
    const auto oc = static_cast<int>(w->shape()[0]), kh = static_cast<int>(w->shape()[2]),
               kw = static_cast<int>(w->shape()[3]);
    const int groups = static_cast<int>(op.groups());
    const bool depthwise = groups > 1 && groups == in_c && oc % in_c == 0;
    const int group_in = in_c / groups;  // the weights' input channels
    DeployLayer& l = AddLayer(depthwise ? LayerKind::kDepthwise : LayerKind::kConv, n, {x});
    if (!depthwise) l.groups = groups;
    SetWindow(l, op.window());
    l.shared_values = SharedValues(*w);
    const float* src = w->data();
    if (depthwise) {
      l.depth_multiplier = oc / in_c;
      l.weight_shape = {1, kh, kw, oc};
      l.weights.resize(static_cast<size_t>(kh) * kw * oc);
      for (int o = 0; o < oc; ++o)
        for (int t = 0; t < kh * kw; ++t) l.weights[static_cast<size_t>(t) * oc + o] = src[o * kh * kw + t];
    } else {
      l.weight_shape = {oc, kh, kw, group_in};
      l.weights.resize(static_cast<size_t>(oc) * kh * kw * group_in);
      for (int o = 0; o < oc; ++o)
        for (int c = 0; c < group_in; ++c)
          for (int t = 0; t < kh * kw; ++t)
            l.weights[(static_cast<size_t>(o) * kh * kw + t) * group_in + c] =
                src[(static_cast<size_t>(o) * group_in + c) * kh * kw + t];
    }
    return SetBias(n, l, oc);
  }

  Status SetBias(const Node& n, DeployLayer& l, int oc) {
    l.bias.assign(oc, 0.0f);
    if (n.inputs.size() > 2) {
      QF_ASSIGN_OR_RETURN(const Tensor* b, Param(n, 2));
      l.bias.assign(b->data(), b->data() + oc);
    }
    return Status::Ok();
  }

  Status LowerDense(const Node& n) {
    QF_ASSIGN_OR_RETURN(const int x, Input(n, 0, /*allow_nchw_flatten=*/true));
    QF_ASSIGN_OR_RETURN(const Tensor* w, Param(n, 1));
    const auto out = static_cast<int>(w->shape()[0]), in = static_cast<int>(w->shape()[1]);
    const std::array<int, 3> chw = flatten_dims_[x];
    DeployLayer& l = AddLayer(LayerKind::kDense, n, {x});
    l.weight_shape = {out, in};
    l.weights.assign(w->data(), w->data() + w->size());
    l.shared_values = SharedValues(*w);
    if (chw[0] != 0) {  // column c*H*W + y*W + x of the NCHW flatten is column (y*W + x)*C + c here
      const int c_n = chw[0], hw = chw[1] * chw[2];
      for (int o = 0; o < out; ++o)
        for (int c = 0; c < c_n; ++c)
          for (int p = 0; p < hw; ++p)
            l.weights[static_cast<size_t>(o) * in + p * c_n + c] = w->data()[static_cast<size_t>(o) * in + c * hw + p];
    }
    return SetBias(n, l, out);
  }

  // y = (x + pre[c]) * scale[c] + post[c]: folded into the producing convolution or dense layer
  // when it may be, else a 1x1 depthwise layer of its own.
  Status LowerChannelAffine(const Node& n, const std::vector<double>& scale, const std::vector<float>& pre,
                            const std::vector<float>& post, bool fuse_relu) {
    const auto channels = static_cast<int>(scale.size());
    DeployLayer* l = Fusable(n.inputs[0], {LayerKind::kConv, LayerKind::kDepthwise, LayerKind::kDense});
    if (l) {
      walk_.Map(n.output, l->output);
    } else {
      QF_ASSIGN_OR_RETURN(const int x, Input(n, 0));
      if (deploy_.values[x].shape.size() != 4)
        return NodeError(n, "a per-channel scale on a 2-D tensor must follow a Dense layer");
      l = &AddLayer(LayerKind::kDepthwise, n, {x});
      l->weight_shape = {1, 1, 1, channels};
      l->weights.assign(channels, 1.0f);
      l->bias.assign(channels, 0.0f);
    }
    const int oc = l->out_channels();
    const size_t per_channel = l->weights.size() / oc;
    if (l->folded_scale.empty()) l->folded_scale.assign(oc, 1.0f);
    for (int c = 0; c < oc; ++c) {
      l->folded_scale[c] = static_cast<float>(l->folded_scale[c] * scale[c]);
      for (size_t k = 0; k < per_channel; ++k) {
        const size_t i = l->kind == LayerKind::kDepthwise ? k * oc + c : c * per_channel + k;
        l->weights[i] = static_cast<float>(l->weights[i] * scale[c]);
      }
      l->bias[c] = static_cast<float>((l->bias[c] + pre[c]) * scale[c] + post[c]);
    }
    if (fuse_relu) l->activation = FusedActivation::kRelu;
    return Status::Ok();
  }

  // Batch norm in inference: (x - mean) * gamma / sqrt(var + eps) + beta.
  Status LowerBatchNorm(const Node& n) {
    const auto& op = static_cast<const BatchNormOp&>(*n.op);
    const Tensor* p[4];
    for (size_t i = 0; i < 4; ++i) {
      QF_ASSIGN_OR_RETURN(p[i], Param(n, i + 1));
    }
    const float *gamma = p[0]->data(), *beta = p[1]->data(), *mean = p[2]->data(), *var = p[3]->data();
    const size_t channels = p[0]->size();
    std::vector<double> scale(channels);
    std::vector<float> minus_mean(channels);
    for (size_t c = 0; c < channels; ++c) {
      scale[c] = gamma[c] / std::sqrt(static_cast<double>(var[c]) + op.eps());
      minus_mean[c] = -mean[c];
    }
    return LowerChannelAffine(n, scale, minus_mean, std::vector<float>(beta, beta + channels), op.fuse_relu());
  }

  Status LowerAffineChannels(const Node& n) {
    QF_ASSIGN_OR_RETURN(const Tensor* a, Param(n, 1));
    QF_ASSIGN_OR_RETURN(const Tensor* b, Param(n, 2));
    return LowerChannelAffine(n, std::vector<double>(a->data(), a->data() + a->size()),
                              std::vector<float>(a->size(), 0.0f), std::vector<float>(b->data(), b->data() + b->size()),
                              false);
  }

  Status LowerActivation(const Node& n, FusedActivation act) {
    DeployLayer* l = Fusable(n.inputs[0], {LayerKind::kConv, LayerKind::kDepthwise, LayerKind::kDense, LayerKind::kBinary});
    if (!l) {  // after a layer without a fused activation: a CLIP of its own
      QF_ASSIGN_OR_RETURN(const int x, Input(n, 0));
      DeployLayer& clip = AddLayer(LayerKind::kUnary, n, {x});
      clip.elementwise_op = qfm::OpType::CLIP;
      clip.keeps_zero = true;
      clip.clip_bounds = {0.0f, act == FusedActivation::kRelu6 ? 6.0f : std::numeric_limits<float>::max()};
      return Status::Ok();
    }
    l->activation = act;
    walk_.Map(n.output, l->output);
    return Status::Ok();
  }

  // A reshape keeps the element order; in NHWC it does only when it flattens (the NCHW order is
  // then recorded for the Dense that reads it) or when no value both has a channel and a pixel
  // dimension above 1 on either side ([N, C] <-> [N, C, 1, 1], or equal shapes).
  Status LowerReshape(const Node& n) {
    QF_ASSIGN_OR_RETURN(const int x, Input(n, 0));
    const std::vector<int> s = deploy_.values[x].shape;
    const Shape& out = graph_.values()[n.output].shape;
    const std::vector<int> target = Nhwc(out);
    if (out.size() == 2 && s.size() == 2) {
      walk_.Map(n.output, x);
      return Status::Ok();
    }
    if (out.size() == 2) {
      DeployLayer& l = AddLayer(LayerKind::kFlatten, n, {x});
      if (s[1] * s[2] > 1 && s[3] > 1) flatten_dims_[l.output] = {s[3], s[1], s[2]};
      return Status::Ok();
    }
    auto plain = [](const std::vector<int>& v) { return v.size() == 2 || v[1] * v[2] == 1 || v[3] == 1; };
    if (out.size() != 4 || !plain(s) || !plain(target))
      return NodeError(n, "only flattening and reshapes between [N, C] and [N, C, 1, 1] are supported, not " +
                              ShapeToString(graph_.values()[n.inputs[0]].shape) + " to " + ShapeToString(out));
    AddLayer(LayerKind::kFlatten, n, {x});
    return Status::Ok();
  }

  Status LowerChannelMove(const Node& n) {
    QF_ASSIGN_OR_RETURN(const int x, Input(n, 0));
    if (n.op->type() == ChannelShuffleOp::kType) {
      DeployLayer& l = AddLayer(LayerKind::kChannelShuffle, n, {x});
      l.groups = static_cast<int>(static_cast<const ChannelShuffleOp&>(*n.op).groups());
    } else {
      const auto& op = static_cast<const SliceChannelsOp&>(*n.op);
      DeployLayer& l = AddLayer(LayerKind::kSlice, n, {x});
      l.slice_range = {static_cast<int>(op.begin()), static_cast<int>(op.end())};
    }
    return Status::Ok();
  }

  Status LowerNode(const Node& n) {
    const std::string_view type = n.op->type();
    if (type == Conv2DOp::kType) return LowerConv(n);
    if (type == DenseOp::kType) return LowerDense(n);
    if (type == BatchNormOp::kType) return LowerBatchNorm(n);
    if (type == AffineChannelsOp::kType) return LowerAffineChannels(n);
    if (type == ReluOp::kType) return LowerActivation(n, FusedActivation::kRelu);
    if (type == Relu6Op::kType) return LowerActivation(n, FusedActivation::kRelu6);
    if (type == ReshapeOp::kFlattenType || type == ReshapeOp::kReshapeType) return LowerReshape(n);
    if (type == ChannelShuffleOp::kType || type == SliceChannelsOp::kType) return LowerChannelMove(n);
    if (type == InsertZerosOp::kType) {
      QF_ASSIGN_OR_RETURN(const int x, Input(n, 0));
      const auto& stride = static_cast<const InsertZerosOp&>(*n.op).stride();
      AddLayer(LayerKind::kInsertZeros, n, {x}).stride = {static_cast<int>(stride[0]), static_cast<int>(stride[1])};
      return Status::Ok();
    }
    if (type == ResizeOp::kType) {
      QF_ASSIGN_OR_RETURN(const int x, Input(n, 0));
      AddLayer(LayerKind::kResize, n, {x}).resize = static_cast<const ResizeOp&>(*n.op).mode();
      return Status::Ok();
    }
    if (type == DropoutOp::kType) {
      QF_ASSIGN_OR_RETURN(const int x, Input(n, 0, /*allow_nchw_flatten=*/true));
      walk_.Map(n.output, x);
      return Status::Ok();
    }
    if (type == PoolOp::kMaxType || type == PoolOp::kAvgType) {
      QF_ASSIGN_OR_RETURN(const int x, Input(n, 0));
      DeployLayer& l = AddLayer(type == PoolOp::kMaxType ? LayerKind::kMaxPool : LayerKind::kAvgPool, n, {x});
      SetWindow(l, static_cast<const PoolOp&>(*n.op).window());
      return Status::Ok();
    }
    if (const ElementwiseRule* rule = FindElementwiseRule(type)) {
      QF_ASSIGN_OR_RETURN(const std::vector<int> xs, Inputs(n));
      DeployLayer& l = AddLayer(rule->kind, n, xs);
      l.elementwise_op = rule->runtime_op;
      l.keeps_zero = rule->kind == LayerKind::kUnary && n.op->KeepsZeroChannels();
      if (type == ClipOp::kType) {
        const auto& clip = static_cast<const ClipOp&>(*n.op);
        l.clip_bounds = {clip.min(), clip.max()};
      }
      return Status::Ok();
    }
    if (type == GlobalAvgPoolOp::kType || type == SoftmaxOp::kType) {
      QF_ASSIGN_OR_RETURN(const int x, Input(n, 0));
      AddLayer(type == SoftmaxOp::kType ? LayerKind::kSoftmax : LayerKind::kMean, n, {x});
      return Status::Ok();
    }
    if (type == ConcatOp::kType) {
      QF_ASSIGN_OR_RETURN(const std::vector<int> xs, Inputs(n));
      DeployLayer& l = AddLayer(LayerKind::kConcat, n, xs);
      l.concat_axis = deploy_.values[l.output].shape.size() == 4 ? 3 : 1;
      return Status::Ok();
    }
    return NodeError(n, "has no int8 kernel in the runtime");
  }

  const Graph& graph_;
  GraphWalk walk_;  // training value -> deploy value, and each value's readers
  DeployGraph deploy_;
  std::vector<int> producer_;   // deploy value -> layer index, -1 for the input
  std::vector<std::array<int, 3>> flatten_dims_;  // deploy value -> {C, H, W} of an NCHW flatten
};

}  // namespace

StatusOr<DeployGraph> Lower(const Graph& graph) { return Lowering(graph).Run(); }

bool LowersToElementwiseOp(std::string_view training_type) { return FindElementwiseRule(training_type) != nullptr; }

}  // namespace qforge::convert
