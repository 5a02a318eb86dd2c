// TfliteToQfm (see tflite_import.h): a first pass folds what belongs to the operator after it
// (a PAD into the window that reads it, DEQUANTIZE of constant weights into the weights, a
// requantizing QUANTIZE into the concatenation that reads it); then each operator in order is
// written as its .qfm operator, taking along the operators after it that complete it.
#include "interop/tflite/tflite_import.h"

#include <flatbuffers/flatbuffers.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>

#include "interop/tflite/tflite_schema_generated.h"
#include "runtime/model/alignment.h"
#include "runtime/model/model_writer.h"

namespace qforge::tflite_import {
namespace {

namespace tfl = qforge::tflite;
using Op = tfl::BuiltinOperator;
using runtime::ModelWriter;
using runtime::QuantParams;

class Importer {
 public:
  Importer(const tfl::Model& model, std::string what)
      : model_(model), graph_(*model.subgraphs()->Get(0)), what_(std::move(what)) {}

  StatusOr<std::vector<uint8_t>> Run();

 private:
  int OpCount() const { return static_cast<int>(graph_.operators()->size()); }
  const tfl::Operator& O(int k) const { return *graph_.operators()->Get(k); }
  Op Code(int k) const;
  int In(int k, int i) const { return O(k).inputs()->size() > static_cast<uint32_t>(i) ? O(k).inputs()->Get(i) : -1; }
  int Out(int k) const { return O(k).outputs()->Get(0); }
  const tfl::Tensor& T(int t) const { return *graph_.tensors()->Get(t); }
  const uint8_t* Data(int t, size_t* bytes) const;
  bool IsConstant(int t) const { size_t n; return Data(t, &n) != nullptr; }
  std::vector<int32_t> Ints(int t) const;
  float Scalar(int t) const;  // a one-element constant's real value
  int Ints8(int t) const;     // a one-element int8 constant's stored value (or 0)
  std::vector<int> Shape(int t) const {
    return t >= 0 && T(t).shape() ? std::vector<int>(T(t).shape()->begin(), T(t).shape()->end()) : std::vector<int>{};
  }
  bool IsFloat(int t) const { return t >= 0 && T(t).type() == tfl::TensorType::FLOAT32; }
  // The one operator reading `t`, which the model does not also output; else -1.
  int OnlyReader(int t) const {
    const bool output = std::find(graph_.outputs()->begin(), graph_.outputs()->end(), t) != graph_.outputs()->end();
    return t >= 0 && readers_[t].size() == 1 && !output ? readers_[t][0] : -1;
  }
  bool NonNegative(int t) const;
  bool PlainMul(int k) const {
    const tfl::MulOptions* o = O(k).builtin_options_as_MulOptions();
    return !o || o->fused_activation_function() == tfl::ActivationFunctionType::NONE;
  }
  std::string Label(int k) const;
  std::string TensorName(int t) const {  // its name, or "t<index>" for an unnamed tensor
    return T(t).name() && T(t).name()->size() ? T(t).name()->str() : fmt::format("t{}", t);
  }

  StatusOr<int> Qfm(int t);  // the .qfm tensor of TFLite tensor t (added on first use)
  void FoldFirst();
  Status Import(int k);
  Status Window(int k);
  Status Logistic(int k);
  Status Clip(int k);
  Status AddOrHardSigmoid(int k);
  Status Reshape(int k);
  std::array<int, 4> PadsOf(int k, int input, int kernel_h, int kernel_w, int stride_h, int stride_w, int dil_h,
                            int dil_w, tfl::Padding padding) const;

  const tfl::Model& model_;
  const tfl::SubGraph& graph_;
  std::string what_;
  std::vector<std::vector<int>> readers_;
  std::vector<int> producer_;
  std::vector<bool> done_;
  std::map<int, int> alias_;               // a tensor standing for another (folded operators)
  std::map<int, std::array<int, 4>> pads_; // window operator -> padding folded into it
  std::map<int, int> mapped_;
  ModelWriter w_;
};

std::string Importer::Label(int k) const {
  const char* name = tfl::EnumNameBuiltinOperator(Code(k));
  return fmt::format("operator {} ({})", k, *name ? name : fmt::format("TFLite code {}", static_cast<int>(Code(k))));
}

// Every value of `t` is >= 0: an int8 grid starting at 0, or the output of a ReLU (fused or not).
bool Importer::NonNegative(int t) const {
  const tfl::Tensor& x = T(t);
  const tfl::QuantizationParameters* q = x.quantization();
  if (x.type() == tfl::TensorType::INT8)
    return q && q->zero_point() && q->zero_point()->size() == 1 && q->zero_point()->Get(0) == -128;
  const int k = producer_[t];
  if (k < 0) return false;
  const Op code = Code(k);
  if (code == Op::RELU || code == Op::RELU6) return true;
  tfl::ActivationFunctionType act = tfl::ActivationFunctionType::NONE;
  if (const auto* o = O(k).builtin_options_as_Conv2DOptions()) act = o->fused_activation_function();
  if (const auto* o = O(k).builtin_options_as_DepthwiseConv2DOptions()) act = o->fused_activation_function();
  if (const auto* o = O(k).builtin_options_as_FullyConnectedOptions()) act = o->fused_activation_function();
  if (const auto* o = O(k).builtin_options_as_AddOptions()) act = o->fused_activation_function();
  if (const auto* o = O(k).builtin_options_as_Pool2DOptions()) act = o->fused_activation_function();
  return act == tfl::ActivationFunctionType::RELU || act == tfl::ActivationFunctionType::RELU6;
}

Op Importer::Code(int k) const {
  const tfl::OperatorCode& c = *model_.operator_codes()->Get(O(k).opcode_index());
  return static_cast<Op>(std::max<int32_t>(static_cast<int32_t>(c.builtin_code()), c.deprecated_builtin_code()));
}

const uint8_t* Importer::Data(int t, size_t* bytes) const {
  if (t < 0) return nullptr;
  const uint32_t b = T(t).buffer();
  if (b == 0 || b >= model_.buffers()->size()) return nullptr;
  const tfl::Buffer* buffer = model_.buffers()->Get(b);
  if (!buffer->data() || buffer->data()->size() == 0) return nullptr;
  *bytes = buffer->data()->size();
  return buffer->data()->data();
}

std::vector<int32_t> Importer::Ints(int t) const {
  size_t bytes = 0;
  const uint8_t* p = Data(t, &bytes);
  std::vector<int32_t> v(p && T(t).type() == tfl::TensorType::INT32 ? bytes / 4 : 0);
  if (!v.empty()) std::memcpy(v.data(), p, v.size() * 4);
  return v;
}

int Importer::Ints8(int t) const {
  size_t bytes = 0;
  const uint8_t* p = Data(t, &bytes);
  return p && bytes == 1 && T(t).type() == tfl::TensorType::INT8 ? static_cast<int8_t>(*p) : 0;
}

float Importer::Scalar(int t) const {
  size_t bytes = 0;
  const uint8_t* p = Data(t, &bytes);
  if (!p) return NAN;
  if (T(t).type() == tfl::TensorType::FLOAT32 && bytes == 4) {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
  const tfl::QuantizationParameters* q = T(t).quantization();
  if (T(t).type() != tfl::TensorType::INT8 || bytes != 1 || !q || !q->scale() || q->scale()->size() != 1) return NAN;
  const int64_t zero = q->zero_point() && q->zero_point()->size() ? q->zero_point()->Get(0) : 0;
  return static_cast<float>((static_cast<int8_t>(*p) - zero) * static_cast<double>(q->scale()->Get(0)));
}

StatusOr<int> Importer::Qfm(int t) {
  for (int hops = 0; alias_.count(t); ++hops) {
    if (hops > OpCount()) return InvalidArgument("{}: operators feed each other in a cycle", what_);
    t = alias_[t];
  }
  if (auto it = mapped_.find(t); it != mapped_.end()) return it->second;
  // An optional input left out (-1) where this operator's form needs it: a constant-only
  // operand left the other, absent one (found by fuzz_tflite).
  if (t < 0) return InvalidArgument("an input it needs is missing");
  const tfl::Tensor& x = T(t);
  qfm::DType dtype;
  switch (x.type()) {
    case tfl::TensorType::FLOAT32: dtype = qfm::DType::FLOAT32; break;
    case tfl::TensorType::FLOAT16: dtype = qfm::DType::FLOAT16; break;
    case tfl::TensorType::INT8: dtype = qfm::DType::INT8; break;
    case tfl::TensorType::INT16: dtype = qfm::DType::INT16; break;
    case tfl::TensorType::INT32: dtype = qfm::DType::INT32; break;
    case tfl::TensorType::INT64: dtype = qfm::DType::INT64; break;
    default:
      return InvalidArgument("{}: tensor '{}' has type {} (TFLite code {}), which qforge's runtime does not have", what_,
                             TensorName(t), tfl::EnumNameTensorType(x.type()), static_cast<int>(x.type()));
  }
  QuantParams q;
  const bool bias = dtype == qfm::DType::INT32 || dtype == qfm::DType::INT64;  // its scale is implied
  if (const tfl::QuantizationParameters* p = x.quantization(); p && p->scale() && p->scale()->size() && !bias) {
    q.scale.assign(p->scale()->begin(), p->scale()->end());
    if (p->zero_point()) q.zero_point.assign(p->zero_point()->begin(), p->zero_point()->end());
    q.zero_point.resize(q.scale.size(), q.zero_point.empty() ? 0 : q.zero_point[0]);
    q.axis = p->quantized_dimension();
  }
  const std::string name = TensorName(t);
  size_t bytes = 0;
  const uint8_t* data = Data(t, &bytes);
  const int id = data ? w_.AddConstant(name, dtype, Shape(t), data, bytes, q.scale.empty() ? nullptr : &q)
                      : w_.AddActivation(name, dtype, Shape(t), q.scale.empty() ? nullptr : &q);
  return mapped_[t] = id;
}

// Folds, before anything is written: a PAD/PADV2 read only by a VALID convolution or max
// pooling; DEQUANTIZE of constant weights (the weights are read as they are stored); a QUANTIZE
// between two integer grids read only by a concatenation (which requantizes its inputs itself).
void Importer::FoldFirst() {
  const auto valid_window = [&](int r) {
    const Op c = Code(r);
    const tfl::Padding valid = tfl::Padding::VALID;
    if (c == Op::CONV_2D) return O(r).builtin_options_as_Conv2DOptions() && O(r).builtin_options_as_Conv2DOptions()->padding() == valid;
    if (c == Op::DEPTHWISE_CONV_2D)
      return O(r).builtin_options_as_DepthwiseConv2DOptions() &&
             O(r).builtin_options_as_DepthwiseConv2DOptions()->padding() == valid;
    if (c == Op::MAX_POOL_2D) return O(r).builtin_options_as_Pool2DOptions() && O(r).builtin_options_as_Pool2DOptions()->padding() == valid;
    return false;
  };
  for (int k = 0; k < OpCount(); ++k) {
    const Op code = Code(k);
    const int reader = OnlyReader(Out(k));
    if ((code == Op::PAD || code == Op::PADV2) && reader >= 0 && In(reader, 0) == Out(k) && valid_window(reader)) {
      const std::vector<int32_t> p = Ints(In(k, 1));
      // Convolutions pad with zeros (the zero point); max pooling leaves padding out, which is
      // padding with the lowest value — or with zero when no value is below it.
      bool fill_ok = code == Op::PAD;
      if (Code(reader) == Op::MAX_POOL_2D) {
        const float fill = code == Op::PADV2 ? Scalar(In(k, 2)) : 0.0f;
        const bool lowest = code == Op::PADV2 && (fill <= -FLT_MAX || (T(In(k, 0)).type() == tfl::TensorType::INT8 &&
                                                                         Ints8(In(k, 2)) == -128));
        fill_ok = lowest || (code == Op::PAD && NonNegative(In(k, 0)));
      }
      const bool shaped = p.size() == 8 && p[0] == 0 && p[1] == 0 && p[6] == 0 && p[7] == 0 &&
                          *std::min_element(p.begin(), p.end()) >= 0;
      if (fill_ok && shaped) {
        pads_[reader] = {p[2], p[4], p[3], p[5]};
        alias_[Out(k)] = In(k, 0);
        done_[k] = true;
      }
    }
    // Constant weights behind DEQUANTIZE (float16, dynamic range) are read as stored.
    if (code == Op::DEQUANTIZE && IsConstant(In(k, 0)) && !readers_[Out(k)].empty()) {
      bool weights = true;
      for (int r : readers_[Out(k)]) {
        const Op c = Code(r);
        weights = weights && In(r, 1) == Out(k) && In(r, 0) != Out(k) &&
                  (c == Op::CONV_2D || c == Op::DEPTHWISE_CONV_2D || c == Op::FULLY_CONNECTED);
      }
      if (weights) {
        alias_[Out(k)] = In(k, 0);
        done_[k] = true;
      }
    }
    // A requantization before a concatenation (not one that completes a LOGISTIC, SOFTMAX or
    // clip, which fold it themselves).
    const int from = producer_[In(k, 0)];
    const bool completes = from >= 0 && (Code(from) == Op::LOGISTIC || Code(from) == Op::SOFTMAX ||
                                         Code(from) == Op::MAXIMUM || Code(from) == Op::MINIMUM);
    const bool requantize = code == Op::QUANTIZE && !IsFloat(In(k, 0)) && !completes;
    if (requantize && reader >= 0 && Code(reader) == Op::CONCATENATION) {
      alias_[Out(k)] = In(k, 0);
      done_[k] = true;
    }
  }
}

// TFLite's SAME padding, or VALID plus what a folded PAD added: {top, left, bottom, right}.
std::array<int, 4> Importer::PadsOf(int k, int input, int kernel_h, int kernel_w, int stride_h, int stride_w,
                                    int dil_h, int dil_w, tfl::Padding padding) const {
  if (padding == tfl::Padding::VALID) return pads_.count(k) ? pads_.at(k) : std::array<int, 4>{0, 0, 0, 0};
  const std::vector<int> in = Shape(input), out = Shape(Out(k));
  if (in.size() != 4 || out.size() != 4) return {-1, -1, -1, -1};  // the runtime refuses the shapes
  const auto same = [](int64_t i, int64_t o, int64_t kernel, int64_t s, int64_t d) {
    const int64_t total = std::clamp<int64_t>((o - 1) * s + (kernel - 1) * d + 1 - i, 0, 1 << 20);
    return std::array<int, 2>{static_cast<int>(total / 2), static_cast<int>(total - total / 2)};
  };
  const auto h = same(in[1], out[1], kernel_h, stride_h, dil_h), w = same(in[2], out[2], kernel_w, stride_w, dil_w);
  return {h[0], w[0], h[1], w[1]};
}

// The inputs an operator must have (the rest are optional, e.g. a bias).
int RequiredInputs(Op code) {
  switch (code) {
    case Op::SLICE:
    case Op::PADV2:
    case Op::TRANSPOSE_CONV: return 3;
    case Op::CONV_2D:
    case Op::DEPTHWISE_CONV_2D:
    case Op::FULLY_CONNECTED:
    case Op::ADD:
    case Op::MUL:
    case Op::MEAN:
    case Op::MAXIMUM:
    case Op::MINIMUM:
    case Op::PAD:
    case Op::TRANSPOSE:
    case Op::RESIZE_BILINEAR:
    case Op::RESIZE_NEAREST_NEIGHBOR: return 2;
    default: return 1;
  }
}

qfm::Activation Act(tfl::ActivationFunctionType a) {
  return a == tfl::ActivationFunctionType::RELU    ? qfm::Activation::RELU
         : a == tfl::ActivationFunctionType::RELU6 ? qfm::Activation::RELU6
                                                   : qfm::Activation::NONE;
}

bool Supported(tfl::ActivationFunctionType a) {
  return a == tfl::ActivationFunctionType::NONE || a == tfl::ActivationFunctionType::RELU ||
         a == tfl::ActivationFunctionType::RELU6;
}

Status Importer::Window(int k) {
  const Op code = Code(k);
  const int input = In(k, 0);
  int source = input;
  for (int hops = 0; alias_.count(source) && hops <= OpCount(); ++hops) source = alias_[source];
  qfm::OptionsUnion u;
  std::vector<int> inputs;
  QF_ASSIGN_OR_RETURN(const int x, Qfm(input));
  inputs.push_back(x);
  if (code == Op::MAX_POOL_2D || code == Op::AVERAGE_POOL_2D) {
    const tfl::Pool2DOptions* o = O(k).builtin_options_as_Pool2DOptions();
    if (!o || !Supported(o->fused_activation_function())) return InvalidArgument("unsupported options");
    const auto p = PadsOf(k, source, o->filter_height(), o->filter_width(), o->stride_h(), o->stride_w(), 1, 1, o->padding());
    u.Set(qfm::Pool2DOptionsT{{}, o->filter_height(), o->filter_width(), o->stride_h(), o->stride_w(), p[0], p[1], p[2],
                              p[3], Act(o->fused_activation_function())});
  } else {
    const std::vector<int> ws = Shape(In(k, 1));
    if (ws.size() != 4) return InvalidArgument("weights are not 4-dimensional");
    for (int i = 1; i < 3; ++i) {
      if (In(k, i) < 0) continue;
      QF_ASSIGN_OR_RETURN(const int t, Qfm(In(k, i)));
      inputs.push_back(t);
    }
    if (In(k, 2) < 0) inputs.push_back(-1);
    qfm::Conv2DOptionsT c;
    tfl::Padding padding;
    tfl::ActivationFunctionType act;
    if (code == Op::CONV_2D) {
      const tfl::Conv2DOptions* o = O(k).builtin_options_as_Conv2DOptions();
      if (!o) return InvalidArgument("no options");
      c.stride_h = o->stride_h(), c.stride_w = o->stride_w(), c.dilation_h = o->dilation_h_factor(),
      c.dilation_w = o->dilation_w_factor(), padding = o->padding(), act = o->fused_activation_function();
    } else {
      const tfl::DepthwiseConv2DOptions* o = O(k).builtin_options_as_DepthwiseConv2DOptions();
      if (!o) return InvalidArgument("no options");
      c.stride_h = o->stride_h(), c.stride_w = o->stride_w(), c.dilation_h = o->dilation_h_factor(),
      c.dilation_w = o->dilation_w_factor(), padding = o->padding(), act = o->fused_activation_function();
      const std::vector<int> xs = Shape(input);
      c.depth_multiplier = xs.size() == 4 && xs[3] > 0 ? ws[3] / xs[3] : 1;
    }
    if (!Supported(act)) return InvalidArgument("fused activation {} is not RELU or RELU6", tfl::EnumNameActivationFunctionType(act));
    const auto p = PadsOf(k, source, ws[1], ws[2], c.stride_h, c.stride_w, c.dilation_h, c.dilation_w, padding);
    c.pad_top = p[0], c.pad_left = p[1], c.pad_bottom = p[2], c.pad_right = p[3], c.activation = Act(act);
    u.Set(std::move(c));
  }
  QF_ASSIGN_OR_RETURN(const int y, Qfm(Out(k)));
  const qfm::OpType type = code == Op::CONV_2D             ? qfm::OpType::CONV_2D
                           : code == Op::DEPTHWISE_CONV_2D ? qfm::OpType::DEPTHWISE_CONV_2D
                           : code == Op::MAX_POOL_2D       ? qfm::OpType::MAX_POOL_2D
                                                           : qfm::OpType::AVERAGE_POOL_2D;
  w_.AddOperator(type, inputs, {y}, std::move(u));
  return Status::Ok();
}

// LOGISTIC (+ QUANTIZE) -> SIGMOID; x * LOGISTIC(x) -> SILU.
Status Importer::Logistic(int k) {
  int out = Out(k);
  const int reader = OnlyReader(out);
  if (reader >= 0 && Code(reader) == Op::QUANTIZE && !IsFloat(out)) {
    done_[reader] = true;
    out = Out(reader);
  } else if (reader >= 0 && Code(reader) == Op::MUL && PlainMul(reader) &&
             ((In(reader, 0) == In(k, 0) && In(reader, 1) == out) || (In(reader, 1) == In(k, 0) && In(reader, 0) == out))) {
    done_[reader] = true;
    QF_ASSIGN_OR_RETURN(const int x, Qfm(In(k, 0)));
    QF_ASSIGN_OR_RETURN(const int y, Qfm(Out(reader)));
    w_.AddOperator(qfm::OpType::SILU, {x}, {y});
    return Status::Ok();
  }
  QF_ASSIGN_OR_RETURN(const int x, Qfm(In(k, 0)));
  QF_ASSIGN_OR_RETURN(const int y, Qfm(out));
  w_.AddOperator(qfm::OpType::SIGMOID, {x}, {y});
  return Status::Ok();
}

// RELU, RELU6, and MAXIMUM / MINIMUM with constant bounds (+ QUANTIZE) -> CLIP.
Status Importer::Clip(int k) {
  float lo = -FLT_MAX, hi = FLT_MAX;
  int last = k;
  const auto bound = [&](int op, float* into) -> Status {
    const int c = IsConstant(In(op, 1)) ? In(op, 1) : In(op, 0);
    const float v = Scalar(c);
    if (std::isnan(v)) return InvalidArgument("{} takes a one-element constant here", Label(op));
    *into = v;
    return Status::Ok();
  };
  const Op code = Code(k);
  if (code == Op::RELU) lo = 0;
  if (code == Op::RELU6) lo = 0, hi = 6;
  if (code == Op::MAXIMUM) QF_RETURN_IF_ERROR(bound(k, &lo));
  if (code == Op::MINIMUM) QF_RETURN_IF_ERROR(bound(k, &hi));
  if (code == Op::MAXIMUM) {
    const int r = OnlyReader(Out(k));
    if (r >= 0 && Code(r) == Op::MINIMUM) {
      QF_RETURN_IF_ERROR(bound(r, &hi));
      done_[r] = true;
      last = r;
    }
  }
  if (code == Op::MAXIMUM || code == Op::MINIMUM) {
    const int r = OnlyReader(Out(last));
    if (r >= 0 && Code(r) == Op::QUANTIZE && !IsFloat(Out(last))) {
      done_[r] = true;
      last = r;
    }
  }
  qfm::OptionsUnion u;
  u.Set(qfm::ClipOptionsT{{}, lo, hi});
  QF_ASSIGN_OR_RETURN(const int x, Qfm(IsConstant(In(k, 0)) ? In(k, 1) : In(k, 0)));
  QF_ASSIGN_OR_RETURN(const int y, Qfm(Out(last)));
  w_.AddOperator(qfm::OpType::CLIP, {x}, {y}, std::move(u));
  return Status::Ok();
}

// ADD of 3 with fused RELU6 then MUL by 1/6 -> HARD_SIGMOID; otherwise ADD.
Status Importer::AddOrHardSigmoid(int k) {
  const tfl::AddOptions* o = O(k).builtin_options_as_AddOptions();
  const auto act = o ? o->fused_activation_function() : tfl::ActivationFunctionType::NONE;
  const int reader = OnlyReader(Out(k));
  if (act == tfl::ActivationFunctionType::RELU6 && IsConstant(In(k, 1)) && std::fabs(Scalar(In(k, 1)) - 3) < 1e-6f &&
      reader >= 0 && Code(reader) == Op::MUL && PlainMul(reader) && In(reader, 0) == Out(k) && IsConstant(In(reader, 1)) &&
      std::fabs(Scalar(In(reader, 1)) - 1.0f / 6) < 1e-7f) {
    done_[reader] = true;
    QF_ASSIGN_OR_RETURN(const int x, Qfm(In(k, 0)));
    QF_ASSIGN_OR_RETURN(const int y, Qfm(Out(reader)));
    w_.AddOperator(qfm::OpType::HARD_SIGMOID, {x}, {y});
    return Status::Ok();
  }
  if (!Supported(act)) return InvalidArgument("fused activation {} is not RELU or RELU6", tfl::EnumNameActivationFunctionType(act));
  QF_ASSIGN_OR_RETURN(const int a, Qfm(In(k, 0)));
  QF_ASSIGN_OR_RETURN(const int b, Qfm(In(k, 1)));
  QF_ASSIGN_OR_RETURN(const int y, Qfm(Out(k)));
  qfm::OptionsUnion u;
  u.Set(qfm::AddOptionsT{{}, Act(act)});
  w_.AddOperator(qfm::OpType::ADD, {a, b}, {y}, std::move(u));
  return Status::Ok();
}

// RESHAPE to [N, pixels, g, C/g], TRANSPOSE [0, 1, 3, 2], RESHAPE back -> CHANNEL_SHUFFLE.
Status Importer::Reshape(int k) {
  const int t = OnlyReader(Out(k));
  const int back = t >= 0 && Code(t) == Op::TRANSPOSE && In(t, 0) == Out(k) ? OnlyReader(Out(t)) : -1;
  const std::vector<int> grouped = Shape(Out(k)), from = Shape(In(k, 0));
  int64_t pixels = 1;
  for (size_t d = 1; d + 1 < from.size(); ++d) pixels *= from[d];
  const bool shuffle_shape = grouped.size() == 4 && from.size() >= 2 && grouped[0] == from[0] && grouped[1] == pixels &&
                             grouped[2] > 0 && static_cast<int64_t>(grouped[2]) * grouped[3] == from.back();
  if (back >= 0 && Code(back) == Op::RESHAPE && In(back, 0) == Out(t) && shuffle_shape &&
      Ints(In(t, 1)) == std::vector<int32_t>{0, 1, 3, 2} && Shape(Out(back)) == from) {
    done_[t] = done_[back] = true;
    QF_ASSIGN_OR_RETURN(const int x, Qfm(In(k, 0)));
    QF_ASSIGN_OR_RETURN(const int y, Qfm(Out(back)));
    qfm::OptionsUnion u;
    u.Set(qfm::ChannelShuffleOptionsT{{}, grouped[2]});
    w_.AddOperator(qfm::OpType::CHANNEL_SHUFFLE, {x}, {y}, std::move(u));
    return Status::Ok();
  }
  QF_ASSIGN_OR_RETURN(const int x, Qfm(In(k, 0)));
  QF_ASSIGN_OR_RETURN(const int y, Qfm(Out(k)));
  w_.AddOperator(qfm::OpType::RESHAPE, {x}, {y});
  return Status::Ok();
}

Status Importer::Import(int k) {
  const Op code = Code(k);
  const auto simple = [&](qfm::OpType type, std::vector<int> ins, qfm::OptionsUnion u = {}) -> Status {
    std::vector<int> inputs;
    for (int i : ins) {
      if (i < 0) {  // an optional input left out
        inputs.push_back(-1);
        continue;
      }
      QF_ASSIGN_OR_RETURN(const int t, Qfm(i));
      inputs.push_back(t);
    }
    QF_ASSIGN_OR_RETURN(const int y, Qfm(Out(k)));
    w_.AddOperator(type, inputs, {y}, std::move(u));
    return Status::Ok();
  };
  qfm::OptionsUnion u;
  switch (code) {
    case Op::CONV_2D:
    case Op::DEPTHWISE_CONV_2D:
    case Op::MAX_POOL_2D:
    case Op::AVERAGE_POOL_2D: return Window(k);
    case Op::FULLY_CONNECTED: {
      const tfl::FullyConnectedOptions* o = O(k).builtin_options_as_FullyConnectedOptions();
      const auto act = o ? o->fused_activation_function() : tfl::ActivationFunctionType::NONE;
      if (!Supported(act) || (o && o->weights_format() != 0)) return InvalidArgument("unsupported options");
      u.Set(qfm::FullyConnectedOptionsT{{}, Act(act)});
      return simple(qfm::OpType::FULLY_CONNECTED, {In(k, 0), In(k, 1), In(k, 2)}, std::move(u));
    }
    case Op::ADD: return AddOrHardSigmoid(k);
    case Op::MUL: {
      const tfl::MulOptions* o = O(k).builtin_options_as_MulOptions();
      const auto act = o ? o->fused_activation_function() : tfl::ActivationFunctionType::NONE;
      if (!Supported(act)) return InvalidArgument("unsupported fused activation");
      u.Set(qfm::MulOptionsT{{}, Act(act)});
      return simple(qfm::OpType::MUL, {In(k, 0), In(k, 1)}, std::move(u));
    }
    case Op::MEAN: {
      const tfl::ReducerOptions* o = O(k).builtin_options_as_ReducerOptions();
      if (Ints(In(k, 1)) != std::vector<int32_t>{1, 2} || (o && o->keep_dims()))
        return InvalidArgument("only the mean over height and width, without keep_dims, has a .qfm form");
      return simple(qfm::OpType::MEAN, {In(k, 0)});
    }
    case Op::CONCATENATION: {
      const tfl::ConcatenationOptions* o = O(k).builtin_options_as_ConcatenationOptions();
      if (!o || o->fused_activation_function() != tfl::ActivationFunctionType::NONE) return InvalidArgument("unsupported options");
      std::vector<int> ins(O(k).inputs()->begin(), O(k).inputs()->end());
      u.Set(qfm::ConcatenationOptionsT{{}, o->axis()});
      return simple(qfm::OpType::CONCATENATION, ins, std::move(u));
    }
    case Op::RESHAPE: return Reshape(k);
    case Op::SOFTMAX: {
      const tfl::SoftmaxOptions* o = O(k).builtin_options_as_SoftmaxOptions();
      const int reader = OnlyReader(Out(k));
      int out = Out(k);
      if (reader >= 0 && Code(reader) == Op::QUANTIZE && !IsFloat(out)) {
        done_[reader] = true;
        out = Out(reader);
      }
      u.Set(qfm::SoftmaxOptionsT{{}, o ? o->beta() : 1.0f});
      QF_ASSIGN_OR_RETURN(const int x, Qfm(In(k, 0)));
      QF_ASSIGN_OR_RETURN(const int y, Qfm(out));
      w_.AddOperator(qfm::OpType::SOFTMAX, {x}, {y}, std::move(u));
      return Status::Ok();
    }
    case Op::LOGISTIC: return Logistic(k);
    case Op::HARD_SWISH: return simple(qfm::OpType::HARD_SWISH, {In(k, 0)});
    case Op::RELU:
    case Op::RELU6:
    case Op::MAXIMUM:
    case Op::MINIMUM: return Clip(k);
    case Op::QUANTIZE: return simple(qfm::OpType::QUANTIZE, {In(k, 0)});  // from float, or a requantization
    case Op::DEQUANTIZE: return simple(qfm::OpType::DEQUANTIZE, {In(k, 0)});
    case Op::SLICE: {
      const std::vector<int32_t> begin = Ints(In(k, 1)), size = Ints(In(k, 2));
      const std::vector<int> shape = Shape(In(k, 0));
      int axis = -1;
      for (size_t d = 0; d < shape.size() && d < begin.size() && d < size.size(); ++d)
        if (begin[d] != 0 || (size[d] != -1 && size[d] != shape[d])) axis = axis < 0 ? static_cast<int>(d) : -2;
      if (axis < 1 || begin.size() != shape.size()) return InvalidArgument("only a slice along one non-batch axis has a .qfm form");
      // Within the axis, checked before adding (a fuzzed size overflowed begin + size; found by fuzz_tflite).
      const int64_t first = begin[axis], end = size[axis] == -1 ? shape[axis] : first + size[axis];
      if (first < 0 || end <= first || end > shape[axis])
        return InvalidArgument("the slice (begin {}, size {}) does not lie within axis {} of size {}", begin[axis], size[axis],
                               axis, shape[axis]);
      u.Set(qfm::SliceOptionsT{{}, axis, begin[axis], static_cast<int>(end)});
      return simple(qfm::OpType::SLICE, {In(k, 0)}, std::move(u));
    }
    case Op::RESIZE_BILINEAR:
    case Op::RESIZE_NEAREST_NEIGHBOR: {
      bool align = false, half = false;
      if (const auto* o = O(k).builtin_options_as_ResizeBilinearOptions()) align = o->align_corners(), half = o->half_pixel_centers();
      if (const auto* o = O(k).builtin_options_as_ResizeNearestNeighborOptions()) align = o->align_corners(), half = o->half_pixel_centers();
      qfm::ResizeOptionsT r;
      r.bilinear = code == Op::RESIZE_BILINEAR;
      r.coordinates = align ? qfm::ResizeCoordinates::ALIGN_CORNERS
                            : half ? qfm::ResizeCoordinates::HALF_PIXEL : qfm::ResizeCoordinates::ASYMMETRIC;
      r.nearest_rounding = align || half ? qfm::NearestRounding::ROUND_PREFER_CEIL : qfm::NearestRounding::FLOOR;
      u.Set(std::move(r));
      return simple(qfm::OpType::RESIZE, {In(k, 0)}, std::move(u));
    }
    case Op::TRANSPOSE_CONV: {
      // A 1x1 identity kernel (float 1.0, or int8 127 at scale 1/127) spreads the input: INSERT_ZEROS.
      const tfl::TransposeConvOptions* o = O(k).builtin_options_as_TransposeConvOptions();
      const std::vector<int> ws = Shape(In(k, 1)), xs = Shape(In(k, 2));
      const tfl::TensorType wt = T(In(k, 1)).type();
      const int element = wt == tfl::TensorType::FLOAT32 ? 4 : wt == tfl::TensorType::INT8 ? 1 : 0;
      size_t bytes = 0;
      const uint8_t* wd = Data(In(k, 1), &bytes);
      const tfl::QuantizationParameters* q = T(In(k, 1)).quantization();
      const bool unit_scale = wt == tfl::TensorType::FLOAT32 ||
                              (q && q->scale() && q->scale()->size() == 1 && std::fabs(q->scale()->Get(0) * 127 - 1) < 1e-6f &&
                               (!q->zero_point() || q->zero_point()->size() == 0 || q->zero_point()->Get(0) == 0));
      bool identity = o && o->padding() == tfl::Padding::VALID && element && unit_scale && ws.size() == 4 &&
                      xs.size() == 4 && ws[0] >= 1 && ws[1] == 1 && ws[2] == 1 && ws[0] == ws[3] && ws[0] == xs[3] &&
                      wd && bytes == static_cast<size_t>(ws[0]) * ws[0] * element && In(k, 3) < 0;
      for (int a = 0; identity && a < ws[0]; ++a)
        for (int b = 0; identity && b < ws[0]; ++b) {
          const size_t i = static_cast<size_t>(a) * ws[0] + b;
          float v;
          if (element == 4) {
            std::memcpy(&v, wd + 4 * i, 4);
          } else {
            v = static_cast<int8_t>(wd[i]) == 127 ? 1.0f : static_cast<float>(static_cast<int8_t>(wd[i]));
          }
          identity = v == (a == b ? 1.0f : 0.0f);
        }
      if (!identity) return InvalidArgument("only a transposed convolution with a 1x1 identity kernel has a .qfm form");
      u.Set(qfm::InsertZerosOptionsT{{}, o->stride_h(), o->stride_w()});
      return simple(qfm::OpType::INSERT_ZEROS, {In(k, 2)}, std::move(u));
    }
    default: return InvalidArgument("has no .qfm form");
  }
}

StatusOr<std::vector<uint8_t>> Importer::Run() {
  const int tensors = static_cast<int>(graph_.tensors()->size());
  // Every shape checked once, before any operator multiplies dimensions (a fuzzed file's
  // dimensions overflowed a product; found by fuzz_tflite): each dimension and the element
  // count within the runtime's 2^31 - 1.
  constexpr int64_t kMaxElements = (int64_t{1} << 31) - 1;
  for (int t = 0; t < tensors; ++t) {
    int64_t elements = 1;
    for (const int d : Shape(t)) {
      if (d < 1 || d > kMaxElements / elements)
        return InvalidArgument("{}: tensor '{}' has shape [{}]: each dimension must be at least 1 and the elements "
                               "at most 2^31 - 1", what_, TensorName(t),
                               fmt::join(Shape(t), ", "));
      elements *= d;
    }
    // 64-bit zero points are read in place, and the FlatBuffers verifier checks a vector's
    // length field, not its elements' alignment: a misaligned vector is a damaged file (found by
    // fuzz_tflite).
    const tfl::QuantizationParameters* q = T(t).quantization();
    if (q && q->zero_point() && !runtime::IsAligned(q->zero_point()->data(), alignof(int64_t)))
      return InvalidArgument("{}: tensor '{}''s zero points are not aligned (a damaged file)", what_, TensorName(t));
  }
  // Zero points on the tensor's integer grid (int8, int16), any other within int32: the importer
  // computes with them (a fuzzed zero point near INT64_MIN overflowed; found by fuzz_tflite).
  // Read once every vector is known to be aligned.
  for (int t = 0; t < tensors; ++t) {
    const tfl::QuantizationParameters* q = T(t).quantization();
    if (q && q->zero_point()) {
      const tfl::TensorType type = T(t).type();
      const int64_t lo = type == tfl::TensorType::INT8 ? -128 : type == tfl::TensorType::INT16 ? -32768 : INT32_MIN;
      const int64_t hi = type == tfl::TensorType::INT8 ? 127 : type == tfl::TensorType::INT16 ? 32767 : INT32_MAX;
      for (const int64_t zero : *q->zero_point())
        if (zero < lo || zero > hi)
          return InvalidArgument("{}: tensor '{}' has zero point {}, outside [{}, {}]", what_, TensorName(t), zero, lo, hi);
    }
  }
  readers_.assign(tensors, {});
  producer_.assign(tensors, -1);
  done_.assign(OpCount(), false);
  for (int k = 0; k < OpCount(); ++k) {
    if (!O(k).inputs() || !O(k).outputs() || O(k).outputs()->size() != 1)
      return InvalidArgument("{}: {} does not have one output", what_, Label(k));
    const int out = Out(k);
    if (out < 0 || out >= tensors) return InvalidArgument("{}: {} writes a tensor that does not exist", what_, Label(k));
    if (producer_[out] >= 0 || IsConstant(out))
      return InvalidArgument("{}: {} writes tensor {}, which is a constant or written before", what_, Label(k), out);
    producer_[out] = k;
    for (int i = 0; i < static_cast<int>(O(k).inputs()->size()); ++i) {
      const int t = O(k).inputs()->Get(i);
      if (t < -1 || t >= tensors || t == out)
        return InvalidArgument("{}: {} reads tensor {}, which does not exist or is its own output", what_, Label(k), t);
      if (t >= 0) readers_[t].push_back(k);
      if (t < 0 && i < RequiredInputs(Code(k)))
        return InvalidArgument("{}: {} lacks its input {}", what_, Label(k), i);
    }
    if (static_cast<int>(O(k).inputs()->size()) < RequiredInputs(Code(k)))
      return InvalidArgument("{}: {} has {} inputs, not {}", what_, Label(k), O(k).inputs()->size(), RequiredInputs(Code(k)));
  }
  FoldFirst();
  for (int k = 0; k < OpCount(); ++k) {
    if (done_[k]) continue;
    if (const Status s = Import(k); !s.ok()) return InvalidArgument("{}: {}: {}", what_, Label(k), s.message());
  }
  std::vector<int> inputs, outputs;
  for (const auto* list : {graph_.inputs(), graph_.outputs()})
    for (int t : *list)
      if (t < 0 || t >= tensors) return InvalidArgument("{}: a model input or output does not exist", what_);
  for (int t : *graph_.inputs()) {
    QF_ASSIGN_OR_RETURN(const int id, Qfm(t));
    inputs.push_back(id);
  }
  for (int t : *graph_.outputs()) {
    QF_ASSIGN_OR_RETURN(const int id, Qfm(t));
    outputs.push_back(id);
  }
  w_.SetInputs(inputs);
  w_.SetOutputs(outputs);
  if (model_.metadata())
    for (const tfl::Metadata* m : *model_.metadata()) {
      if (!m->name() || m->name()->str() != "qforge" || m->buffer() >= model_.buffers()->size()) continue;
      const tfl::Buffer* b = model_.buffers()->Get(m->buffer());
      if (b->data()) w_.SetMetadata(std::string(b->data()->begin(), b->data()->end()));
    }
  return w_.Serialize();
}

}  // namespace

bool IsTflitePath(const std::string& path) { return path.size() > 7 && path.ends_with(".tflite"); }

StatusOr<std::vector<uint8_t>> TfliteToQfm(const std::vector<uint8_t>& bytes, const std::string& what) {
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (bytes.size() < 8 || !tfl::ModelBufferHasIdentifier(bytes.data()) || !tfl::VerifyModelBuffer(verifier))
    return DataLoss("{}: not a TFLite file (identifier TFL3 and the FlatBuffers verifier)", what);
  const tfl::Model& model = *tfl::GetModel(bytes.data());
  if (!model.subgraphs() || model.subgraphs()->size() != 1 || !model.operator_codes() || !model.buffers())
    return InvalidArgument("{}: qforge reads TFLite models of one subgraph", what);
  const tfl::SubGraph& g = *model.subgraphs()->Get(0);
  if (!g.tensors() || !g.operators() || !g.inputs() || !g.outputs())
    return InvalidArgument("{}: the subgraph lacks tensors, operators, inputs or outputs", what);
  for (const tfl::Operator* op : *g.operators())
    if (op->opcode_index() >= model.operator_codes()->size())
      return InvalidArgument("{}: an operator's code index is out of range", what);
  Importer importer(model, what);
  return importer.Run();
}

}  // namespace qforge::tflite_import
