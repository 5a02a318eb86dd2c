// QAT export: strip, lower, attach the trained grids, emit.
#include "quant/qat_export.h"

#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "convert/channel_removal.h"
#include "convert/emit.h"
#include "convert/lower.h"
#include "graph/rewriter.h"
#include "ops/batch_norm.h"
#include "ops/channel_ops.h"
#include "quant/fake_quant_op.h"

namespace qforge::quant {
namespace {

// The float graph behind a QAT graph, and the grids its quantizers ended with.
struct Stripped {
  Graph graph;
  std::map<int, Grid> activation_grids;                  // float-graph value -> grid
  std::map<std::string, convert::WeightGrid> weight_grids;  // layer name -> trained grid
};

class Stripper {
 public:
  explicit Stripper(const Graph& q) : rewriter_(q) {}

  StatusOr<Stripped> Run() {
    QF_RETURN_IF_ERROR(RegisterQuantOps());
    QF_RETURN_IF_ERROR(rewriter_.CopyParamsAndInputs());
    QF_RETURN_IF_ERROR(rewriter_.Walk([this](const Node& n) { return Strip(n); }));
    QF_ASSIGN_OR_RETURN(out_.graph, rewriter_.Finish());
    return std::move(out_);
  }

 private:
  const Graph& qat() const { return rewriter_.source(); }

  const Tensor& ParamTensor(int v) const { return qat().params()[qat().values()[v].index].tensor; }

  // Weights: a parameter, or a parameter scaled per output channel (batch-norm folding).
  bool IsWeight(int v) const {
    const Value& value = qat().values()[v];
    if (value.kind == ValueKind::kParam) return true;
    if (value.kind != ValueKind::kNode) return false;
    const Node& n = qat().nodes()[value.index];
    return n.op->type() == ScaleChannelsOp::kType && n.op->attrs().value("axis", 1) == 0;
  }

  // The value of a weight: a parameter, or a parameter scaled per output channel by
  // BnFoldScale(gamma, running_var) or by a constant scale parameter (AffineChannels) — the
  // folded weights the quantizer saw.
  StatusOr<Tensor> WeightValue(int v) const {
    const Value& value = qat().values()[v];
    if (value.kind == ValueKind::kParam) return qat().params()[value.index].tensor;
    const Node& scale_node = qat().nodes()[value.index];
    Tensor w = ParamTensor(scale_node.inputs[0]);
    const Value& s = qat().values()[scale_node.inputs[1]];
    const int64_t channels = w.shape()[0], inner = w.size() / channels;
    std::vector<float> k(channels);
    if (s.kind == ValueKind::kParam) {
      const Tensor& a = qat().params()[s.index].tensor;
      for (int64_t c = 0; c < channels; ++c) k[c] = a[c];
    } else if (s.kind == ValueKind::kNode && qat().nodes()[s.index].op->type() == BnFoldScaleOp::kType) {
      const Node& fold = qat().nodes()[s.index];
      const Tensor& gamma = ParamTensor(fold.inputs[0]);
      const Tensor& var = ParamTensor(fold.inputs[1]);
      const float eps = fold.op->attrs().value("eps", 1e-5f);
      for (int64_t c = 0; c < channels; ++c) k[c] = gamma[c] / std::sqrt(var[c] + eps);
    } else {
      return InvalidArgument("value '{}': folded weights must be scaled by a BnFoldScale or a parameter", value.name);
    }
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = 0; i < inner; ++i) w[c * inner + i] *= k[c];
    return w;
  }

  Status Strip(const Node& n) {
    const std::string_view type = n.op->type();
    if (type == BnFoldScaleOp::kType) return Status::Ok();
    if (type == ScaleChannelsOp::kType) {
      rewriter_.Map(n.output, rewriter_.mapped(n.inputs[0]));
      return Status::Ok();
    }
    if (type != FakeQuantOp::kType) {
      std::vector<int> inputs = rewriter_.MappedInputs(n);
      if (type == BatchNormOp::kType) inputs.resize(5);  // the input scale undid the folding
      return rewriter_.Clone(n, inputs).status();
    }
    const auto& fq = static_cast<const FakeQuantOp&>(*n.op);
    rewriter_.Map(n.output, rewriter_.mapped(n.inputs[0]));
    if (!fq.enabled()) return Status::Ok();
    const Quantizer& q = fq.quantizer();
    std::vector<Tensor> params;
    for (size_t i = 1; i < n.inputs.size(); ++i) params.push_back(ParamTensor(n.inputs[i]));
    std::vector<Tensor*> pointers;
    for (Tensor& t : params) pointers.push_back(&t);
    if (q.spec().bits > 8 && q.spec().bits != 16)
      return Unimplemented("node '{}': {}-bit grids have no runtime type (2..8 and 16 do)", n.name, q.spec().bits);
    if (IsWeight(n.inputs[0])) {
      // The converter's own per-channel max|w| / 127 is what an 8-bit min/max quantizer did.
      if (q.type() == "minmax" && q.spec().bits == 8 && q.spec().per_channel) return Status::Ok();
      const std::vector<int>& readers = rewriter_.readers(n.output);
      if (readers.empty() || readers[0] < 0) return InvalidArgument("node '{}': weight quantization feeds nothing", n.name);
      const Node& layer = qat().nodes()[readers[0]];
      QF_ASSIGN_OR_RETURN(const Tensor weights, WeightValue(n.inputs[0]));
      QF_ASSIGN_OR_RETURN(const Grid g, q.CurrentGrid(&weights, pointers));
      out_.weight_grids[layer.name] = convert::WeightGrid{g.scale, q.spec().bits};
      return Status::Ok();
    }
    auto grid = q.CurrentGrid(nullptr, pointers);
    if (!grid.ok()) return InvalidArgument("node '{}': {}; train (or calibrate) before converting", n.name, grid.status().message());
    if (grid->scale.size() != 1) return InvalidArgument("node '{}': activations need one scale per tensor", n.name);
    out_.activation_grids[rewriter_.mapped(n.output)] = *grid;
    return Status::Ok();
  }

  GraphRewriter rewriter_;
  Stripped out_;
};

}  // namespace

bool IsQatGraph(const Graph& graph) {
  for (const Node& n : graph.nodes())
    if (n.op->type() == FakeQuantOp::kType) return true;
  return false;
}

StatusOr<convert::DeployGraph> LowerQatGraph(const Graph& qat_graph) {
  QF_ASSIGN_OR_RETURN(Stripped s, Stripper(qat_graph).Run());
  QF_ASSIGN_OR_RETURN(convert::DeployGraph d, convert::Lower(s.graph));
  convert::RemoveDeadChannels(&d);
  return d;
}

StatusOr<std::vector<uint8_t>> ConvertQatModel(const Graph& qat_graph, const CheckpointMeta& meta,
                                               const QatExportOptions& options) {
  QF_ASSIGN_OR_RETURN(Stripped s, Stripper(qat_graph).Run());
  QF_ASSIGN_OR_RETURN(convert::DeployGraph d, convert::Lower(s.graph));
  const convert::ChannelRemoval removal = convert::RemoveDeadChannels(&d);
  for (const auto& [layer, kept] : removal.kept) {  // per-channel weight grids lose those channels too
    auto grid = s.weight_grids.find(layer);
    if (grid == s.weight_grids.end() || grid->second.scale.size() <= 1) continue;
    std::vector<float> scale;
    for (int c : kept) scale.push_back(grid->second.scale[c]);
    grid->second.scale = std::move(scale);
  }
  // Layers QAT kept in float (the run's record of them) run in float; so do pooling, reshapes and
  // channel moves of their outputs.
  std::vector<bool> float_value(d.values.size(), false);
  std::set<std::string> kept;
  if (meta.train_state.contains("qat") && meta.train_state["qat"].contains("kept_float") &&
      meta.train_state["qat"]["kept_float"].is_array())
    for (const auto& node : meta.train_state["qat"]["kept_float"]) {
      const int v = node.is_string() ? s.graph.FindValue(node.get<std::string>()) : -1;
      if (v < 0 || d.deploy_value_of[v] < 0) continue;
      float_value[d.deploy_value_of[v]] = true;
      kept.insert(node.get<std::string>());
    }
  std::map<std::string, convert::Mode> layer_modes;
  for (const convert::DeployLayer& l : d.layers) {
    // A kept node fused into a layer whose first node was quantized (a ReLU kept, its convolution
    // not): training simulated a quantized layer, which the file cannot make float.
    if (float_value[l.output] && !kept.count(l.name) && !convert::KeepsInputGrid(l.kind))
      return InvalidArgument("a node kept in float fuses into layer '{}', which quantization-aware training quantized; "
                             "keep '{}' in float too", l.name, l.name);
    if (convert::KeepsInputGrid(l.kind) && float_value[l.inputs[0]]) float_value[l.output] = true;
    if (float_value[l.output]) layer_modes[l.name] = convert::Mode::kFloat;
  }
  std::vector<std::optional<convert::ActivationParams>> params(d.values.size());
  bool int16 = false;
  for (const auto& [value, grid] : s.activation_grids) {
    const int dv = d.deploy_value_of[value];
    if (dv < 0) continue;
    const int bits = grid.qmax > 127 ? 0 : static_cast<int>(std::log2(static_cast<double>(grid.qmax) + 1.0)) + 1;
    params[dv] = convert::ActivationParams{grid.scale[0], grid.zero_point[0], bits == 8 ? 0 : bits};
    int16 = grid.qmax > 127;
  }
  for (const convert::DeployLayer& l : d.layers) {  // pooling, reshapes, channel moves keep their input's grid
    if (convert::KeepsInputGrid(l.kind) && params[l.inputs[0]] && !float_value[l.output]) params[l.output] = params[l.inputs[0]];
  }
  for (auto l = d.layers.rbegin(); l != d.layers.rend(); ++l) {  // concatenation inputs take its grid
    if (l->kind != convert::LayerKind::kConcat || !params[l->output]) continue;
    for (int in : l->inputs)
      if (!params[in]) params[in] = params[l->output];
  }
  convert::EmitOptions eo;
  eo.mode = int16 ? convert::Mode::kInt16x8 : convert::Mode::kInt8;
  eo.int8_io = options.int8_io;
  eo.weight_grids = std::move(s.weight_grids);
  eo.params = std::move(params);
  eo.layer_modes = layer_modes;
  nlohmann::json metadata{{"model", meta.model_name},
                          {"mode", convert::ModeName(eo.mode)},
                          {"preprocess", meta.preprocess.ToJson()},
                          {"class_names", meta.class_names},
                          {"input_layout", "NHWC"},
                          {"qat", true}};
  if (!layer_modes.empty()) metadata["float_layers"] = nlohmann::json::array();
  for (const auto& [layer, mode] : layer_modes) metadata["float_layers"].push_back(layer);
  if (removal.removed > 0) metadata["removed_channels"] = removal.removed;
  eo.metadata_json = metadata.dump();
  return convert::EmitQfm(d, eo);
}

}  // namespace qforge::quant
