// Spelled-out activation patterns -> one node (see onnx_fusions.h). A pattern matches only when
// each intermediate tensor has exactly one reader and is not a graph output, so nothing else
// sees the tensors that disappear.
#include "interop/onnx/onnx_fusions.h"

#include <cmath>
#include <map>

namespace qforge::onnx_import {
namespace {

class Matcher {
 public:
  Matcher(const OnnxModel& m, const ImportContext& ctx) : ctx_(ctx) {
    const onnx::GraphProto& g = m.proto.graph();
    for (int i : m.order) nodes_.push_back(g.node(i));
    for (size_t i = 0; i < nodes_.size(); ++i) {
      for (const std::string& in : nodes_[i].input()) ++readers_[in];
      for (const std::string& out : nodes_[i].output()) producer_[out] = static_cast<int>(i);
      if (nodes_[i].op_type() == "Constant")
        for (const auto& a : nodes_[i].attribute())
          if (a.name() == "value" && a.has_t()) {
            auto c = ReadTensorProto(a.t(), "constant");
            if (c.ok() && nodes_[i].output_size() > 0) constants_[nodes_[i].output(0)] = std::move(*c);
          }
    }
    for (const auto& out : g.output()) readers_[out.name()] += 2;  // never fused away
  }

  // The inputs the patterns read: two for Add, Mul and Div, one for the rest, and an output. The
  // fusions run before the importers check each node's inputs, so a node without them takes part
  // in none (a Mul with one input made protobuf abort; found by fuzz_onnx).
  static bool HasInputs(const onnx::NodeProto& n) {
    const std::string& op = n.op_type();
    return n.output_size() >= 1 && n.input_size() >= (op == "Add" || op == "Mul" || op == "Div" ? 2 : 1);
  }

  std::vector<onnx::NodeProto> Run() {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (removed_.count(static_cast<int>(i)) || !HasInputs(nodes_[i])) continue;
      if (nodes_[i].op_type() == "Mul") MatchGatedSelf(static_cast<int>(i));
      if (!removed_.count(static_cast<int>(i)) && (nodes_[i].op_type() == "Div" || nodes_[i].op_type() == "Mul"))
        MatchSpelledHardSwish(static_cast<int>(i));
      if (nodes_[i].op_type() == "Conv") MatchPaddedConv(static_cast<int>(i));
    }
    std::vector<onnx::NodeProto> out;
    for (size_t i = 0; i < nodes_.size(); ++i)
      if (!removed_.count(static_cast<int>(i))) out.push_back(nodes_[i]);
    return out;
  }

 private:
  // The node producing `tensor` if it is of `type` and `tensor` has one reader; else -1.
  int SoleProducer(const std::string& tensor, const char* type) const {
    auto it = producer_.find(tensor);
    if (it == producer_.end() || removed_.count(it->second) || nodes_[it->second].op_type() != type) return -1;
    if (!HasInputs(nodes_[it->second])) return -1;
    auto r = readers_.find(tensor);
    return r != readers_.end() && r->second == 1 ? it->second : -1;
  }
  // A Constant node's or an initializer's value, or null.
  const ConstTensor* ConstantOf(const std::string& tensor) const {
    if (auto it = constants_.find(tensor); it != constants_.end()) return &it->second;
    const ImportedValue* c = ctx_.Find(tensor);
    return c && c->is_constant() ? &c->constant : nullptr;
  }
  bool IsScalar(const std::string& tensor, double value) const {
    const ConstTensor* c = ConstantOf(tensor);
    if (!c || !c->IsScalarLike()) return false;
    return std::abs(c->values[0] - value) <= 1e-6 * std::max(1.0, std::abs(value));
  }
  // Replaces node `last` by op_type(x), dropping the nodes in `gone`.
  void ReplaceWith(const char* op_type, int last, const std::string& x, std::initializer_list<int> gone) {
    onnx::NodeProto fused;
    fused.set_op_type(op_type);
    fused.set_doc_string(kFusedDoc);
    fused.set_name(nodes_[last].name());
    fused.add_input(x);
    fused.add_output(nodes_[last].output(0));
    nodes_[last] = fused;
    for (int g : gone) removed_.insert(g);
  }

  // Mul(x, HardSigmoid(x)) with alpha 1/6, beta 1/2 is HardSwish; Mul(x, Sigmoid(x)) is SiLU.
  void MatchGatedSelf(int mul) {
    const onnx::NodeProto& n = nodes_[mul];
    for (int side = 0; side < 2; ++side) {
      const int sig = SoleProducer(n.input(side), "Sigmoid");
      if (sig >= 0 && nodes_[sig].input(0) == n.input(1 - side)) {
        ReplaceWith("SiLU", mul, n.input(1 - side), {sig});
        return;
      }
    }
    for (int side = 0; side < 2; ++side) {
      const int hs = SoleProducer(n.input(side), "HardSigmoid");
      if (hs < 0 || nodes_[hs].input(0) != n.input(1 - side)) continue;
      if (!IsPyTorchHardSigmoid(nodes_[hs])) continue;
      ReplaceWith("HardSwish", mul, n.input(1 - side), {hs});
      return;
    }
  }

  // Div(Mul(x, Clip(Add(x, 3), 0, 6)), 6) or Mul(..., 1/6); PyTorch writes relu6 as Relu then
  // Clip (whose lower bound may then be absent).
  void MatchSpelledHardSwish(int last) {
    const onnx::NodeProto& n = nodes_[last];
    const bool is_div = n.op_type() == "Div";
    if (!(is_div ? IsScalar(n.input(1), 6.0) : IsScalar(n.input(1), 1.0 / 6))) return;
    const int mul = SoleProducer(n.input(0), "Mul");
    if (mul < 0) return;
    for (int side = 0; side < 2; ++side) {
      const int clip = SoleProducer(nodes_[mul].input(side), "Clip");
      if (clip < 0 || !ClipBoundIs(nodes_[clip], 2, "max", 6.0)) continue;
      const int relu = SoleProducer(nodes_[clip].input(0), "Relu");
      if (relu < 0 && !ClipBoundIs(nodes_[clip], 1, "min", 0.0)) continue;
      const int add = SoleProducer(relu < 0 ? nodes_[clip].input(0) : nodes_[relu].input(0), "Add");
      if (add < 0) continue;
      const std::string& x = nodes_[mul].input(1 - side);
      const onnx::NodeProto& a = nodes_[add];
      if (!((a.input(0) == x && IsScalar(a.input(1), 3.0)) || (a.input(1) == x && IsScalar(a.input(0), 3.0)))) continue;
      ReplaceWith("HardSwish", last, x, {mul, clip, add});
      if (relu >= 0) removed_.insert(relu);
      return;
    }
  }
  // Clip's bound: input `index` (opset 11 on) or attribute `attr` (before).
  bool ClipBoundIs(const onnx::NodeProto& clip, int index, const char* attr, double value) const {
    if (clip.input_size() > index && !clip.input(index).empty()) return IsScalar(clip.input(index), value);
    NodeAttrs attrs(clip);
    return attrs.Has(attr) && attrs.Float(attr, 0) == value && attrs.status().ok();
  }

  // Conv(Pad(x)) with zeros added to H and W only: the padding becomes the convolution's own.
  void MatchPaddedConv(int conv) {
    onnx::NodeProto& c = nodes_[conv];
    const int pad = SoleProducer(c.input(0), "Pad");
    if (pad < 0) return;
    const onnx::NodeProto& p = nodes_[pad];
    NodeAttrs attrs(p);
    std::vector<int64_t> pads = attrs.Ints("pads", {});
    const std::string mode = attrs.String("mode", "constant");
    double value = attrs.Float("value", 0.0f);
    if (!attrs.status().ok()) return;
    if (p.input_size() > 1 && !p.input(1).empty()) {
      const ConstTensor* t = ConstantOf(p.input(1));
      if (!t) return;
      pads.assign(t->values.begin(), t->values.end());
    }
    if (p.input_size() > 2 && !p.input(2).empty()) {
      const ConstTensor* v = ConstantOf(p.input(2));
      if (!v || !v->IsScalarLike()) return;
      value = v->values[0];
    }
    if (p.input_size() > 3 && !p.input(3).empty()) return;  // opset 18's axes
    if (mode != "constant" || value != 0 || pads.size() != 8 || pads[0] || pads[1] || pads[4] || pads[5]) return;
    for (int64_t v : pads)
      if (v < 0) return;
    std::vector<int64_t> conv_pads = {0, 0, 0, 0};
    onnx::NodeProto fused = c;
    fused.clear_attribute();
    for (const auto& a : c.attribute()) {
      if (a.name() == "auto_pad" && a.s() != "NOTSET") return;
      if (a.name() == "pads") {
        if (a.ints_size() != 4) return;
        conv_pads.assign(a.ints().begin(), a.ints().end());
      } else {
        *fused.add_attribute() = a;
      }
    }
    onnx::AttributeProto* merged = fused.add_attribute();
    merged->set_name("pads");
    merged->set_type(onnx::AttributeProto::INTS);
    for (int64_t v : {conv_pads[0] + pads[2], conv_pads[1] + pads[3], conv_pads[2] + pads[6], conv_pads[3] + pads[7]})
      merged->add_ints(v);
    fused.set_input(0, p.input(0));
    c = fused;
    removed_.insert(pad);
  }

  const ImportContext& ctx_;
  std::vector<onnx::NodeProto> nodes_;
  std::map<std::string, int> readers_, producer_;
  std::map<std::string, ConstTensor> constants_;
  std::set<int> removed_;
};

}  // namespace

bool IsPyTorchHardSigmoid(const onnx::NodeProto& node) {
  NodeAttrs attrs(node);
  const float alpha = attrs.Float("alpha", 0.2f), beta = attrs.Float("beta", 0.5f);
  return attrs.status().ok() && std::abs(alpha - 1.0f / 6.0f) <= 1e-6f && beta == 0.5f;
}

std::vector<onnx::NodeProto> FuseActivations(const OnnxModel& m, const ImportContext& ctx) {
  return Matcher(m, ctx).Run();
}

}  // namespace qforge::onnx_import
