// The QAT graph transform: walks the float graph in order, cloning nodes into a new graph and
// inserting fake quantization, batch-norm folding and activation fusion as described in qat.h.
#include "quant/qat.h"

#include <algorithm>

#include "ops/batch_norm.h"
#include "ops/channel_ops.h"
#include "quant/fake_quant_op.h"

namespace qforge::quant {
namespace {

class QatTransform {
 public:
  QatTransform(const Graph& g, const QatOptions& o)
      : g_(g), o_(o), map_(g.values().size(), -1), consumers_(g.values().size()), done_(g.nodes().size(), false) {
    for (size_t k = 0; k < g.nodes().size(); ++k)
      for (int v : g.nodes()[k].inputs) consumers_[v].push_back(static_cast<int>(k));
    for (int v : g.outputs()) consumers_[v].push_back(-1);  // a graph output is a reader too
  }

  StatusOr<QatModel> Run() {
    QF_RETURN_IF_ERROR(RegisterQuantOps());
    for (const Param& p : g_.params()) {
      QF_ASSIGN_OR_RETURN(map_[p.value], out_.AddParam(p.name, p.tensor, p.trainable));
    }
    for (int v : g_.inputs()) QF_RETURN_IF_ERROR(AddInput(v));
    for (size_t k = 0; k < g_.nodes().size(); ++k)
      if (!done_[k]) QF_RETURN_IF_ERROR(Transform(g_.nodes()[k]));
    std::vector<int> outputs;
    for (int v : g_.outputs()) outputs.push_back(map_[v]);
    QF_RETURN_IF_ERROR(out_.SetOutputs(outputs));
    return QatModel{std::move(out_), std::move(kept_float_)};
  }

 private:
  QuantizeConfig ConfigFor(const std::string& name) const {
    auto it = o_.node_configs.find(name);
    return it == o_.node_configs.end() ? QuantizeConfig{} : it->second;
  }

  // The node reading `v` when it is the only reader (and `v` is not a graph output), else -1.
  int SoleConsumer(int v, std::initializer_list<std::string_view> types) const {
    if (consumers_[v].size() != 1 || consumers_[v][0] < 0) return -1;
    const int k = consumers_[v][0];
    for (std::string_view t : types)
      if (g_.nodes()[k].op->type() == t && !ConfigFor(g_.nodes()[k].name).keep_float) return k;
    return -1;
  }

  StatusOr<int> Add(const std::string& name, StatusOr<std::unique_ptr<Op>> op, const std::vector<int>& inputs) {
    QF_RETURN_IF_ERROR(op.status());
    return out_.AddNode(name, std::move(*op), inputs);
  }

  // A copy of node n reading `inputs` (new-graph values); maps n's output.
  StatusOr<int> Clone(const Node& n, const std::vector<int>& inputs) {
    QF_ASSIGN_OR_RETURN(map_[n.output], Add(n.name, CreateOp(n.op->type(), n.op->attrs()), inputs));
    return map_[n.output];
  }

  std::vector<int> Mapped(const Node& n) const {
    std::vector<int> inputs;
    for (int v : n.inputs) inputs.push_back(map_[v]);
    return inputs;
  }

  StatusOr<int> FakeQuant(int value, const QuantizerChoice& choice, const std::string& name) {
    QF_ASSIGN_OR_RETURN(std::unique_ptr<Quantizer> q, CreateQuantizer(choice.type, choice.attrs));
    std::vector<int> inputs{value};
    for (const QuantizerParam& p : q->Params(out_.values()[value].shape)) {
      QF_ASSIGN_OR_RETURN(int id, out_.AddParam(name + "/" + p.name, Tensor(p.shape, p.init), p.trainable));
      inputs.push_back(id);
    }
    return out_.AddNode(name, std::unique_ptr<Op>(new FakeQuantOp(std::move(q))), inputs);
  }

  // Quantizes the output of a unit ending at old value `v` (named by `name`): fuses a sole
  // ReLU/ReLU6 reader first, then one activation fake quantization.
  Status FinishUnit(int v, std::string name, bool relu, const QuantizeConfig& cfg) {
    const int act = SoleConsumer(v, {"Relu", "Relu6"});
    if (act >= 0) {
      const Node& a = g_.nodes()[act];
      QF_RETURN_IF_ERROR(Clone(a, Mapped(a)).status());
      done_[act] = true;
      v = a.output;
      name = a.name;
      relu = true;
    }
    // A concatenation quantizes its output with one grid, which its inputs share (the runtime
    // copies them): a unit whose only reader is a Concat leaves its output to that grid.
    if (!cfg.quantize_output || SoleConsumer(v, {"Concat"}) >= 0) return Status::Ok();
    const bool model_output = std::find(g_.outputs().begin(), g_.outputs().end(), v) != g_.outputs().end();
    const QuantizerChoice& choice = cfg.activations ? *cfg.activations
                                    : model_output  ? o_.scheme.output
                                    : relu          ? o_.scheme.relu_activations
                                                    : o_.scheme.activations;
    QF_ASSIGN_OR_RETURN(map_[v], FakeQuant(map_[v], choice, name + "/act_quant"));
    return Status::Ok();
  }

  Status AddInput(int v) {
    const Value& in = g_.values()[v];
    QF_ASSIGN_OR_RETURN(map_[v], out_.AddInput(in.name, Shape(in.shape.begin() + 1, in.shape.end())));
    const QuantizeConfig cfg = ConfigFor(in.name);
    if (cfg.keep_float || !cfg.quantize_output) return Status::Ok();
    QF_ASSIGN_OR_RETURN(map_[v], FakeQuant(map_[v], cfg.activations.value_or(o_.scheme.input), in.name + "/act_quant"));
    return Status::Ok();
  }

  Status Weighted(const Node& n, const QuantizeConfig& cfg) {
    const QuantizerChoice& wq = cfg.weights ? *cfg.weights : o_.scheme.weights;
    const int bn = o_.scheme.fold_batch_norm && cfg.quantize_weights ? SoleConsumer(n.output, {"BatchNorm"}) : -1;
    std::vector<int> inputs = Mapped(n);
    if (bn < 0) {
      if (cfg.quantize_weights) {
        QF_ASSIGN_OR_RETURN(inputs[1], FakeQuant(inputs[1], wq, n.name + "/weight_quant"));
      }
      QF_RETURN_IF_ERROR(Clone(n, inputs).status());
      return FinishUnit(n.output, n.name, false, cfg);
    }
    // conv(x, fq(w s) [, b s]) / s feeds the batch norm (see qat.h).
    const Node& b = g_.nodes()[bn];
    const auto& bn_op = static_cast<const BatchNormOp&>(*b.op);
    const std::vector<int> bn_inputs = Mapped(b);  // x, gamma, beta, running_mean, running_var
    QF_ASSIGN_OR_RETURN(const int s, Add(n.name + "/fold_scale", BnFoldScaleOp::FromAttrs({{"eps", bn_op.eps()}}),
                                         {bn_inputs[1], bn_inputs[4]}));
    QF_ASSIGN_OR_RETURN(const int folded, Add(n.name + "/folded_weights", ScaleChannelsOp::FromAttrs({{"axis", 0}}),
                                              {inputs[1], s}));
    QF_ASSIGN_OR_RETURN(inputs[1], FakeQuant(folded, wq, n.name + "/weight_quant"));
    if (inputs.size() > 2) {
      QF_ASSIGN_OR_RETURN(inputs[2], Add(n.name + "/folded_bias", ScaleChannelsOp::FromAttrs({{"axis", 0}}), {inputs[2], s}));
    }
    QF_ASSIGN_OR_RETURN(const int y, Clone(n, inputs));
    std::vector<int> norm_inputs = bn_inputs;  // the batch norm divides by s (its input scale)
    norm_inputs[0] = y;
    norm_inputs.push_back(s);
    QF_RETURN_IF_ERROR(Clone(b, norm_inputs).status());
    done_[bn] = true;
    return FinishUnit(b.output, b.name, bn_op.fuse_relu(), cfg);
  }

  Status Unsupported(const Node& n, const std::string& why) {
    if (!o_.keep_unsupported_float)
      return InvalidArgument("node '{}' ({}): {}; keep it in float with keep_unsupported_float (--qat-keep-float)",
                             n.name, n.op->type(), why);
    kept_float_.push_back(n.name);
    return Clone(n, Mapped(n)).status();
  }

  Status Transform(const Node& n) {
    const std::string_view type = n.op->type();
    const QuantizeConfig cfg = ConfigFor(n.name);
    if (cfg.keep_float) {
      kept_float_.push_back(n.name);
      return Clone(n, Mapped(n)).status();
    }
    if (type == "Conv2D" || type == "Dense") return Weighted(n, cfg);
    if (type == "MaxPool" || type == "AvgPool" || type == "Flatten" || type == "Reshape" || type == "Dropout")
      return Clone(n, Mapped(n)).status();  // keep the input's grid
    if (type == "Add" || type == "GlobalAvgPool" || type == "HardSwish" || type == "Relu" || type == "Relu6" ||
        type == "BatchNorm") {
      QF_RETURN_IF_ERROR(Clone(n, Mapped(n)).status());
      const bool relu = type == "Relu" || type == "Relu6" ||
                        (type == "BatchNorm" && static_cast<const BatchNormOp&>(*n.op).fuse_relu());
      return FinishUnit(n.output, n.name, relu, cfg);
    }
    if (type == "Softmax") {  // probabilities on the runtime's fixed grid, whatever the config says
      QF_RETURN_IF_ERROR(Clone(n, Mapped(n)).status());
      QF_ASSIGN_OR_RETURN(map_[n.output], FakeQuant(map_[n.output], o_.scheme.softmax, n.name + "/act_quant"));
      return Status::Ok();
    }
    if (type == "Concat") {
      for (int v : n.inputs)
        if (consumers_[v].size() != 1)
          return Unsupported(n, "an input read elsewhere too cannot take the concatenation's shared grid");
      QF_RETURN_IF_ERROR(Clone(n, Mapped(n)).status());
      return FinishUnit(n.output, n.name, false, cfg);
    }
    return Unsupported(n, "has no quantized kernel in the runtime");
  }

  const Graph& g_;
  const QatOptions& o_;
  Graph out_;
  std::vector<int> map_;                     // old value -> new value
  std::vector<std::vector<int>> consumers_;  // old value -> reading nodes (-1: graph output)
  std::vector<bool> done_;                   // old node already emitted as part of a unit
  std::vector<std::string> kept_float_;
};

}  // namespace

StatusOr<QatModel> QuantizeModel(const Graph& float_graph, const QatOptions& options) {
  return QatTransform(float_graph, options).Run();
}

void FreezeBatchNorm(Graph& graph) {
  for (Node& n : graph.nodes())
    if (n.op->type() == "BatchNorm") static_cast<BatchNormOp&>(*n.op).set_frozen(true);
}

void FreezeObservers(Graph& graph) {
  for (Node& n : graph.nodes())
    if (n.op->type() == "FakeQuant") static_cast<FakeQuantOp&>(*n.op).set_observing(false);
}

}  // namespace qforge::quant
