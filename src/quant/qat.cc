// The QAT graph transform: rewrites the float graph (graph/rewriter.h), cloning nodes into a new
// graph and inserting fake quantization, batch-norm folding and activation fusion as described
// in qat.h.
#include "quant/qat.h"

#include <algorithm>
#include <map>
#include <set>

#include "convert/lower.h"
#include "graph/rewriter.h"
#include "ops/activations.h"
#include "ops/batch_norm.h"
#include "ops/channel_ops.h"
#include "ops/conv2d.h"
#include "ops/dense.h"
#include "ops/dropout.h"
#include "ops/pooling.h"
#include "ops/softmax.h"
#include "ops/tensor_ops.h"
#include "quant/fake_quant_op.h"

namespace qforge::quant {
namespace {

class QatTransform {
 public:
  QatTransform(const Graph& g, const QatOptions& o) : options_(o), rewriter_(g) {}

  StatusOr<QatModel> Run() {
    QF_RETURN_IF_ERROR(RegisterQuantOps());
    QF_RETURN_IF_ERROR(rewriter_.CopyParamsAndInputs());
    for (int v : source().inputs()) QF_RETURN_IF_ERROR(QuantizeInput(v));
    QF_RETURN_IF_ERROR(rewriter_.Walk([this](const Node& n) { return Transform(n); }));
    QF_ASSIGN_OR_RETURN(Graph graph, rewriter_.Finish());
    return QatModel{std::move(graph), std::move(kept_float_)};
  }

 private:
  const Graph& source() const { return rewriter_.source(); }

  QuantizeConfig ConfigFor(const std::string& name) const {
    auto it = options_.node_configs.find(name);
    return it == options_.node_configs.end() ? QuantizeConfig{} : it->second;
  }

  // The sole reader of `v` of one of `types`, unless its config keeps it in float; else -1.
  int SoleQuantizedReader(int v, std::initializer_list<std::string_view> types) const {
    const int k = rewriter_.SoleReader(v, types);
    return k >= 0 && !ConfigFor(source().nodes()[k].name).keep_float ? k : -1;
  }

  StatusOr<int> FakeQuant(int value, const QuantizerChoice& choice, const std::string& name) {
    QF_ASSIGN_OR_RETURN(std::unique_ptr<Quantizer> q, CreateQuantizer(choice.type, choice.attrs));
    Graph& out = rewriter_.target();
    std::vector<int> inputs{value};
    for (const QuantizerParam& p : q->Params(out.values()[value].shape)) {
      QF_ASSIGN_OR_RETURN(int id, out.AddParam(name + "/" + p.name, Tensor(p.shape, p.init), p.trainable));
      inputs.push_back(id);
    }
    return out.AddNode(name, std::unique_ptr<Op>(new FakeQuantOp(std::move(q))), inputs);
  }

  // Quantizes the output of a unit ending at source value `v` (named by `name`): fuses a sole
  // ReLU/ReLU6 reader first, then one activation fake quantization.
  Status FinishUnit(int v, std::string name, bool relu, const QuantizeConfig& cfg) {
    const int act = SoleQuantizedReader(v, {ReluOp::kType, Relu6Op::kType});
    if (act >= 0) {
      const Node& a = source().nodes()[act];
      QF_RETURN_IF_ERROR(rewriter_.Clone(a).status());
      rewriter_.MarkDone(act);
      v = a.output;
      name = a.name;
      relu = true;
    }
    // A concatenation quantizes its output with one grid, which its inputs share (the runtime
    // copies them): a unit whose only reader is a Concat leaves its output to that grid.
    if (!cfg.quantize_output || SoleQuantizedReader(v, {ConcatOp::kType}) >= 0) return Status::Ok();
    const QuantizerChoice& choice = cfg.activations         ? *cfg.activations
                                    : rewriter_.IsGraphOutput(v) ? options_.scheme.output
                                    : relu                  ? options_.scheme.relu_activations
                                                            : options_.scheme.activations;
    return QuantizeValue(v, choice, name + "/act_quant");
  }

  // The node's mapped inputs, those computed in float (by kept-float nodes) read through a fake
  // quantization: the quantized node's input grid (its QUANTIZE when deployed), one per value.
  StatusOr<std::vector<int>> QuantizedInputs(const Node& n) {
    std::vector<int> inputs = rewriter_.MappedInputs(n);
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const int v = n.inputs[i];
      if (!float_values_.count(v)) continue;
      auto it = boundary_.find(v);
      if (it == boundary_.end()) {
        QF_ASSIGN_OR_RETURN(const int q, FakeQuant(rewriter_.mapped(v), options_.scheme.activations,
                                                   source().values()[v].name + "/act_quant"));
        it = boundary_.emplace(v, q).first;
      }
      inputs[i] = it->second;
    }
    return inputs;
  }

  // Source value v now reads through a fake quantization.
  Status QuantizeValue(int v, const QuantizerChoice& choice, const std::string& name) {
    QF_ASSIGN_OR_RETURN(const int quantized, FakeQuant(rewriter_.mapped(v), choice, name));
    rewriter_.Map(v, quantized);
    return Status::Ok();
  }

  Status QuantizeInput(int v) {
    const std::string& name = source().values()[v].name;
    const QuantizeConfig cfg = ConfigFor(name);
    if (cfg.keep_float || !cfg.quantize_output) return Status::Ok();
    return QuantizeValue(v, cfg.activations.value_or(options_.scheme.input), name + "/act_quant");
  }

  Status Weighted(const Node& n, const QuantizeConfig& cfg) {
    const QuantizerChoice& wq = cfg.weights ? *cfg.weights : options_.scheme.weights;
    const int bn = options_.scheme.fold_batch_norm && cfg.quantize_weights
                       ? SoleQuantizedReader(n.output, {BatchNormOp::kType})
                       : -1;
    QF_ASSIGN_OR_RETURN(std::vector<int> inputs, QuantizedInputs(n));
    const int affine = bn < 0 && cfg.quantize_weights ? SoleQuantizedReader(n.output, {AffineChannelsOp::kType}) : -1;
    if (affine >= 0 && NonZeroParam(source().nodes()[affine].inputs[1]))
      return WeightedWithAffine(n, source().nodes()[affine], affine, std::move(inputs), wq, cfg);
    if (bn < 0) {
      if (cfg.quantize_weights) {
        QF_ASSIGN_OR_RETURN(inputs[1], FakeQuant(inputs[1], wq, n.name + "/weight_quant"));
      }
      QF_RETURN_IF_ERROR(rewriter_.Clone(n, inputs).status());
      return FinishUnit(n.output, n.name, false, cfg);
    }
    // conv(x, fq(w s) [, b s]) / s feeds the batch norm (see qat.h).
    const Node& b = source().nodes()[bn];
    const auto& bn_op = static_cast<const BatchNormOp&>(*b.op);
    const std::vector<int> bn_inputs = rewriter_.MappedInputs(b);  // x, gamma, beta, running_mean, running_var
    QF_ASSIGN_OR_RETURN(const int s, rewriter_.Add(n.name + "/fold_scale", BnFoldScaleOp::FromAttrs({{"eps", bn_op.eps()}}),
                                                   {bn_inputs[1], bn_inputs[4]}));
    QF_ASSIGN_OR_RETURN(const int folded, rewriter_.Add(n.name + "/folded_weights",
                                                        ScaleChannelsOp::FromAttrs({{"axis", 0}}), {inputs[1], s}));
    QF_ASSIGN_OR_RETURN(inputs[1], FakeQuant(folded, wq, n.name + "/weight_quant"));
    if (inputs.size() > 2) {
      QF_ASSIGN_OR_RETURN(inputs[2], rewriter_.Add(n.name + "/folded_bias", ScaleChannelsOp::FromAttrs({{"axis", 0}}),
                                                   {inputs[2], s}));
    }
    QF_ASSIGN_OR_RETURN(const int y, rewriter_.Clone(n, inputs));
    std::vector<int> norm_inputs = bn_inputs;  // the batch norm divides by s (its input scale)
    norm_inputs[0] = y;
    norm_inputs.push_back(s);
    QF_RETURN_IF_ERROR(rewriter_.Clone(b, norm_inputs).status());
    rewriter_.MarkDone(bn);
    return FinishUnit(b.output, b.name, bn_op.fuse_relu(), cfg);
  }

  // A per-channel scale and shift right after the layer (an imported model's x * a + b): the
  // quantizer sees the weights the converter will fold, w a, as with batch norm:
  // conv(x, fq(w a), bias a) / a feeds the AffineChannels node. Needs a scale without zeros.
  Status WeightedWithAffine(const Node& n, const Node& affine, int affine_index, std::vector<int> inputs,
                            const QuantizerChoice& wq, const QuantizeConfig& cfg) {
    const int a = rewriter_.mapped(affine.inputs[1]);
    QF_ASSIGN_OR_RETURN(const int folded, rewriter_.Add(n.name + "/folded_weights",
                                                        ScaleChannelsOp::FromAttrs({{"axis", 0}}), {inputs[1], a}));
    QF_ASSIGN_OR_RETURN(inputs[1], FakeQuant(folded, wq, n.name + "/weight_quant"));
    if (inputs.size() > 2) {
      QF_ASSIGN_OR_RETURN(inputs[2], rewriter_.Add(n.name + "/folded_bias", ScaleChannelsOp::FromAttrs({{"axis", 0}}),
                                                   {inputs[2], a}));
    }
    QF_ASSIGN_OR_RETURN(const int y, rewriter_.Clone(n, inputs));
    QF_ASSIGN_OR_RETURN(const int unfolded, rewriter_.Add(n.name + "/unfolded",
                                                          ScaleChannelsOp::FromAttrs({{"axis", 1}, {"invert", true}}), {y, a}));
    rewriter_.Map(n.output, unfolded);
    QF_RETURN_IF_ERROR(rewriter_.Clone(affine).status());
    rewriter_.MarkDone(affine_index);
    return FinishUnit(affine.output, affine.name, false, cfg);
  }

  // True if `v` is a parameter without a zero (a scale that may be divided by).
  bool NonZeroParam(int v) const {
    const Value& value = source().values()[v];
    if (value.kind != ValueKind::kParam) return false;
    const Tensor& t = source().params()[value.index].tensor;
    for (int64_t i = 0; i < t.size(); ++i)
      if (t[i] == 0.0f) return false;
    return true;
  }

  Status KeepFloat(const Node& n) {
    kept_float_.push_back(n.name);
    float_values_.insert(n.output);
    return rewriter_.Clone(n).status();
  }

  // Clones a quantized node whose output is fake-quantized by FinishUnit.
  Status CloneQuantized(const Node& n) {
    QF_ASSIGN_OR_RETURN(const std::vector<int> inputs, QuantizedInputs(n));
    return rewriter_.Clone(n, inputs).status();
  }

  Status Unsupported(const Node& n, const std::string& why) {
    if (!options_.keep_unsupported_float)
      return InvalidArgument("node '{}' ({}): {}; keep it in float with keep_unsupported_float (--qat-keep-float)",
                             n.name, n.op->type(), why);
    return KeepFloat(n);
  }

  Status Transform(const Node& n) {
    const std::string_view type = n.op->type();
    const QuantizeConfig cfg = ConfigFor(n.name);
    if (cfg.keep_float) return KeepFloat(n);
    // Batch norm and activations fuse into their producer: after a float layer they stay float.
    if ((type == BatchNormOp::kType || type == AffineChannelsOp::kType || type == ReluOp::kType ||
         type == Relu6Op::kType) && float_values_.count(n.inputs[0]))
      return KeepFloat(n);
    if (type == Conv2DOp::kType || type == DenseOp::kType) return Weighted(n, cfg);
    if (n.op->KeepsValueRange()) {  // keep the input's grid (or stay float in a float region)
      if (float_values_.count(n.inputs[0])) float_values_.insert(n.output);
      return rewriter_.Clone(n).status();
    }
    if (type == GlobalAvgPoolOp::kType || convert::LowersToElementwiseOp(type) ||
        type == ReluOp::kType || type == Relu6Op::kType || type == BatchNormOp::kType ||
        type == AffineChannelsOp::kType) {
      QF_RETURN_IF_ERROR(CloneQuantized(n));
      const bool relu = type == ReluOp::kType || type == Relu6Op::kType ||
                        (type == BatchNormOp::kType && static_cast<const BatchNormOp&>(*n.op).fuse_relu());
      return FinishUnit(n.output, n.name, relu, cfg);
    }
    if (type == SoftmaxOp::kType) {  // probabilities on the runtime's fixed grid, whatever the config says
      QF_RETURN_IF_ERROR(CloneQuantized(n));
      return QuantizeValue(n.output, options_.scheme.softmax, n.name + "/act_quant");
    }
    if (type == ConcatOp::kType) {
      for (int v : n.inputs)
        if (rewriter_.readers(v).size() != 1)
          return Unsupported(n, "an input read elsewhere too cannot take the concatenation's shared grid");
      QF_RETURN_IF_ERROR(rewriter_.Clone(n).status());
      return FinishUnit(n.output, n.name, false, cfg);
    }
    return Unsupported(n, "has no quantized kernel in the runtime");
  }

  const QatOptions& options_;
  GraphRewriter rewriter_;
  std::vector<std::string> kept_float_;
  // Source values computed in float: kept-float nodes' outputs and what keeps their range
  // (pooling, flatten after them); and the boundary fake quantization of those a quantized
  // node reads. (A concatenation's output grid serves its float inputs.)
  std::set<int> float_values_;
  std::map<int, int> boundary_;
};

}  // namespace

StatusOr<QatModel> QuantizeModel(const Graph& float_graph, const QatOptions& options) {
  for (const auto& [name, config] : options.node_configs) {
    const int v = float_graph.FindValue(name);
    if (v < 0 || float_graph.values()[v].kind != ValueKind::kNode)
      return InvalidArgument("a quantization config names '{}', which is not a node of the model", name);
  }
  return QatTransform(float_graph, options).Run();
}

void FreezeBatchNorm(Graph& graph) {
  for (Node& n : graph.nodes())
    if (n.op->type() == BatchNormOp::kType) static_cast<BatchNormOp&>(*n.op).set_frozen(true);
}

void FreezeObservers(Graph& graph) {
  for (Node& n : graph.nodes())
    if (n.op->type() == FakeQuantOp::kType) static_cast<FakeQuantOp&>(*n.op).set_observing(false);
}

}  // namespace qforge::quant
