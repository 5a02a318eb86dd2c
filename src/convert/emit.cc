// .qfm emission: tensors, weight quantization (per-channel symmetric, narrow range), integer
// biases, operators with their options.
#include "convert/emit.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "convert/weight_coding.h"
#include "runtime/float16.h"
#include "runtime/quant_grid.h"
#include "runtime/model/model_writer.h"

namespace qforge::convert {

using runtime::AsymmetricGrid;
using runtime::GridMax;
using runtime::GridMin;
using runtime::GridParams;
using runtime::ModelWriter;
using runtime::SymmetricGrid;
using runtime::QuantParams;
using runtime::SoftmaxOutputGrid;
using qfm::DType;
using qfm::OpType;

StatusOr<Mode> ParseMode(const std::string& name) {
  for (Mode m : {Mode::kFloat, Mode::kFloat16, Mode::kDynamic, Mode::kInt8, Mode::kInt16x8})
    if (name == ModeName(m)) return m;
  return InvalidArgument("unknown mode '{}' (float, float16, dynamic, int8, int16x8)", name);
}

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kFloat: return "float";
    case Mode::kFloat16: return "float16";
    case Mode::kDynamic: return "dynamic";
    case Mode::kInt8: return "int8";
    case Mode::kInt16x8: return "int16x8";
  }
  return "?";
}

ActivationParams ChooseActivationParams(ValueRange r, bool int16) {
  const GridParams g = int16 ? SymmetricGrid(r.min, r.max, GridMax(16)) : AsymmetricGrid(r.min, r.max, GridMin(8, false), GridMax(8));
  return {g.scale, g.zero_point};
}

namespace {

QuantizedWeights QuantizeShared(const DeployLayer& l) {
  std::vector<float> factor = l.folded_scale;
  factor.resize(l.out_channels(), 1.0f);
  for (float& f : factor) f = std::fabs(f);
  float max_unfolded = 0.0f;
  for (size_t i = 0; i < l.weights.size(); ++i) {
    const float f = factor[WeightChannel(l, i)];
    if (f > 0.0f) max_unfolded = std::max(max_unfolded, std::fabs(l.weights[i]) / f);
  }
  const float shared = SymmetricGrid(max_unfolded, GridMax(8)).scale;
  std::vector<float> scale(l.out_channels());
  for (size_t c = 0; c < scale.size(); ++c) {
    scale[c] = factor[c] * shared;
    if (!(scale[c] > 0.0f) || !std::isfinite(scale[c])) scale[c] = SymmetricGrid(0.0f, GridMax(8)).scale;
  }
  return QuantizeWithScales(l, WeightGrid{scale, 8});
}

}  // namespace

double BiasLimit(Mode mode) { return std::ldexp(1.0, mode == Mode::kInt16x8 ? 40 : 30); }

std::vector<float> ScalesTheBiasFits(const std::vector<float>& bias, double input_scale,
                                     std::vector<float> weight_scale, double limit) {
  for (size_t c = 0; c < bias.size(); ++c) {
    const double needed = std::fabs(bias[c]) / (input_scale * limit);
    if (std::isfinite(needed) && weight_scale[c] < needed)
      weight_scale[c] = std::nextafter(static_cast<float>(needed), std::numeric_limits<float>::infinity());
  }
  return weight_scale;
}

WeightGrid MaxAbsWeightGrid(const DeployLayer& l, bool per_tensor, int bits) {
  std::vector<float> scale(per_tensor ? 1 : l.out_channels(), 0.0f);
  for (size_t i = 0; i < l.weights.size(); ++i) {
    float& s = scale[per_tensor ? 0 : WeightChannel(l, i)];
    s = std::max(s, std::fabs(l.weights[i]));
  }
  for (float& s : scale) s = SymmetricGrid(s, GridMax(bits)).scale;
  return WeightGrid{scale, bits};
}

QuantizedWeights QuantizeWeights(const DeployLayer& l) {
  if (l.shared_values > 0) return QuantizeShared(l);
  return QuantizeWithScales(l, MaxAbsWeightGrid(l, false, 8));
}

QuantizedWeights EmittedWeights(const DeployLayer& l, const std::map<std::string, WeightGrid>& grids) {
  const auto grid = grids.find(l.name);
  return grid == grids.end() ? QuantizeWeights(l) : QuantizeWithScales(l, grid->second);
}

QuantizedWeights QuantizeWithScales(const DeployLayer& l, const WeightGrid& grid) {
  QuantizedWeights qw;
  qw.scale = grid.scale.size() == 1 ? std::vector<float>(l.out_channels(), grid.scale[0]) : grid.scale;
  const double qmax = GridMax(grid.bits);
  qw.values.resize(l.weights.size());
  for (size_t i = 0; i < l.weights.size(); ++i)
    qw.values[i] = static_cast<int8_t>(
        std::clamp<double>(std::round(l.weights[i] / qw.scale[WeightChannel(l, i)]), -qmax, qmax));
  return qw;
}

namespace {

qfm::Activation ToQfm(FusedActivation a) {
  switch (a) {
    case FusedActivation::kNone: return qfm::Activation::NONE;
    case FusedActivation::kRelu: return qfm::Activation::RELU;
    case FusedActivation::kRelu6: return qfm::Activation::RELU6;
  }
  return qfm::Activation::NONE;
}

// How an activation tensor holds its values.
enum class Precision { kFloat = 0, kInt8 = 1, kInt16 = 2 };

Precision ActivationPrecision(Mode mode) {
  return mode == Mode::kInt8 ? Precision::kInt8 : mode == Mode::kInt16x8 ? Precision::kInt16 : Precision::kFloat;
}

// The name suffix of a value's tensor converted from one precision to another.
const char* ConversionSuffix(Precision from, Precision to) {
  if (to == Precision::kFloat) return "/dequantized";
  if (from == Precision::kFloat) return "/quantized";
  return to == Precision::kInt16 ? "/int16" : "/int8";
}

class Emitter {
 public:
  Emitter(const DeployGraph& g, const EmitOptions& o)
      : graph_(g), options_(o), mode_(o.mode), value_tensor_(g.values.size(), {-1, -1, -1}),
        home_(g.values.size(), Precision::kFloat), softmax_output_(g.values.size(), false) {
    for (const DeployLayer& l : g.layers)
      if (l.kind == LayerKind::kSoftmax) softmax_output_[l.output] = true;
  }

  StatusOr<std::vector<uint8_t>> Run() {
    if (NeedsRanges(options_.mode) && options_.ranges.size() != graph_.values.size() && options_.params.size() != graph_.values.size())
      return InternalError("{} mode needs a range for each of the {} values", ModeName(options_.mode), graph_.values.size());
    for (const std::optional<ActivationParams>& p : options_.params)
      if (p && (!(p->scale > 0.0f) || !std::isfinite(p->scale)))
        return InvalidArgument("an activation scale is not positive and finite");
    for (const ValueRange& r : options_.ranges)
      if (!std::isfinite(r.min) || !std::isfinite(r.max))
        return InvalidArgument("calibration produced a non-finite range (NaN or infinite activations)");
    QF_RETURN_IF_ERROR(CheckLayerModes());
    QF_RETURN_IF_ERROR(EmitInput());
    for (const DeployLayer& l : graph_.layers) QF_RETURN_IF_ERROR(EmitLayer(l));
    QF_RETURN_IF_ERROR(EmitOutputs());
    writer_.SetMetadata(options_.metadata_json);
    PackSubByteWeights(writer_.mutable_model());  // 2..4-bit weight grids: two or more weights per byte
    return writer_.Serialize();
  }

 private:
  // The mode of the layer being emitted decides these.
  bool integer() const { return NeedsRanges(mode_); }
  bool int16() const { return mode_ == Mode::kInt16x8; }
  Precision precision() const { return ActivationPrecision(mode_); }

  Status CheckLayerModes() const {
    if (options_.layer_modes.empty()) return Status::Ok();
    if (!NeedsRanges(options_.mode))
      return InvalidArgument("layers in other precisions need an int8 or int16x8 model, not {}", ModeName(options_.mode));
    for (const auto& [name, mode] : options_.layer_modes) {
      if (mode != Mode::kFloat && !NeedsRanges(mode))
        return InvalidArgument("layer '{}': a layer runs in float, int8 or int16x8, not {}", name, ModeName(mode));
      if (mode != options_.mode && mode != Mode::kFloat && options_.ranges.empty())
        return InvalidArgument("layer '{}': {} needs calibrated ranges (trained grids are {})", name, ModeName(mode),
                               ModeName(options_.mode));
      bool found = false;
      for (const DeployLayer& l : graph_.layers) found = found || l.name == name;
      if (!found) {
        std::vector<std::string> names;
        for (const DeployLayer& l : graph_.layers) names.push_back(l.name);
        return InvalidArgument("the model has no layer '{}' (its layers: {})", name, fmt::join(names, ", "));
      }
    }
    return Status::Ok();
  }

  // The quantization of `value` on an integer grid.
  StatusOr<ActivationParams> Params(int value, Precision p) const {
    if (softmax_output_[value]) {
      const GridParams grid = SoftmaxOutputGrid(p == Precision::kInt16);
      return ActivationParams{grid.scale, grid.zero_point};
    }
    if (options_.params.empty()) return ChooseActivationParams(options_.ranges[value], p == Precision::kInt16);
    if (!options_.params[value])
      return InvalidArgument("value '{}' is read by a quantized layer but has no trained quantization range",
                             graph_.values[value].name);
    return *options_.params[value];
  }

  // A tensor for deploy value `value` in precision p (its quantization; its shape unless `shape`
  // is given).
  StatusOr<int> NewActivation(int value, Precision p, const std::string& name, const std::vector<int>* shape = nullptr) {
    const std::vector<int>& dims = shape ? *shape : graph_.values[value].shape;
    if (p == Precision::kFloat) return writer_.AddActivation(name, DType::FLOAT32, dims);
    QF_ASSIGN_OR_RETURN(const ActivationParams a, Params(value, p));
    const QuantParams q{{a.scale}, {a.zero_point}, 0, a.bits};
    return writer_.AddActivation(name, p == Precision::kInt16 ? DType::INT16 : DType::INT8, dims, &q);
  }

  // Value `value` in precision p: its own tensor, or a conversion of it (made once).
  StatusOr<int> TensorFor(int value, Precision p) {
    const Precision home = home_[value];
    if (value_tensor_[value][static_cast<int>(p)] >= 0) return value_tensor_[value][static_cast<int>(p)];
    QF_ASSIGN_OR_RETURN(const int t, NewActivation(value, p, graph_.values[value].name + ConversionSuffix(home, p)));
    writer_.AddOperator(p == Precision::kFloat ? OpType::DEQUANTIZE : OpType::QUANTIZE,
                        {value_tensor_[value][static_cast<int>(home)]}, {t});
    value_tensor_[value][static_cast<int>(p)] = t;
    return t;
  }

  // Value `value`'s own tensor (written by its layer).
  StatusOr<int> NewHomeTensor(int value, Precision p, const std::string& name) {
    QF_ASSIGN_OR_RETURN(const int t, NewActivation(value, p, name));
    home_[value] = p;
    value_tensor_[value][static_cast<int>(p)] = t;
    return t;
  }

  // A float input, or with int8_io the mode's integer type.
  Status EmitInput() {
    const int v = graph_.input;
    const Precision p = options_.int8_io ? ActivationPrecision(options_.mode) : Precision::kFloat;
    QF_ASSIGN_OR_RETURN(const int t, NewHomeTensor(v, p, graph_.values[v].name));
    writer_.SetInputs({t});
    return Status::Ok();
  }

  Status EmitOutputs() {
    if (options_.every_value_an_output) {
      std::vector<int> outputs;
      for (size_t v = 0; v < graph_.values.size(); ++v) outputs.push_back(value_tensor_[v][static_cast<int>(home_[v])]);
      writer_.SetOutputs(outputs);
      return Status::Ok();
    }
    const Precision p = options_.int8_io ? ActivationPrecision(options_.mode) : Precision::kFloat;
    QF_ASSIGN_OR_RETURN(const int t, TensorFor(graph_.output, p));
    writer_.SetOutputs({t});
    return Status::Ok();
  }

  // Weights (and bias) of a conv/depthwise/dense layer in the mode's types. A trained weight grid
  // is looked up under `grid_layer` (default: the layer's name), its channels from
  // `first_channel` on (one group of a grouped convolution).
  StatusOr<std::pair<int, int>> EmitWeights(const DeployLayer& l, int input_value, const std::string* grid_layer = nullptr,
                                  int first_channel = 0) {
    const int oc = l.out_channels();
    const std::string& name = l.name;
    if (mode_ == Mode::kFloat)
      return std::pair{writer_.AddConstant(name + "/weights", DType::FLOAT32, l.weight_shape, l.weights),
                       writer_.AddConstant(name + "/bias", DType::FLOAT32, {oc}, l.bias)};
    if (mode_ == Mode::kFloat16) {
      std::vector<uint16_t> halves(l.weights.size());
      for (size_t i = 0; i < halves.size(); ++i) halves[i] = runtime::FloatToHalf(l.weights[i]);
      return std::pair{writer_.AddConstant(name + "/weights", DType::FLOAT16, l.weight_shape, halves),
                       writer_.AddConstant(name + "/bias", DType::FLOAT32, {oc}, l.bias)};
    }
    auto given = options_.weight_grids.find(grid_layer ? *grid_layer : l.name);
    QuantizedWeights qw;
    if (given == options_.weight_grids.end()) {
      qw = QuantizeWeights(l);
    } else {
      WeightGrid grid = given->second;
      if (grid.scale.size() > 1)
        grid.scale = std::vector<float>(grid.scale.begin() + first_channel, grid.scale.begin() + first_channel + oc);
      qw = QuantizeWithScales(l, grid);
    }
    const int bits = given == options_.weight_grids.end() ? 8 : given->second.bits;
    const auto add_weights = [&] {
      const QuantParams wq{qw.scale, std::vector<int64_t>(oc, 0), l.kind == LayerKind::kDepthwise ? 3 : 0, bits == 8 ? 0 : bits};
      return writer_.AddConstant(name + "/weights", DType::INT8, l.weight_shape, qw.values, &wq);
    };
    if (mode_ == Mode::kDynamic) return std::pair{add_weights(), writer_.AddConstant(name + "/bias", DType::FLOAT32, {oc}, l.bias)};
    // Integer bias at scale s_in * s_w[c]. That scale is implied by the specification, so the
    // file stores no quantization parameters for biases (per-channel tables cost ~7% of a
    // small int8 model).
    QF_ASSIGN_OR_RETURN(const ActivationParams in_params, Params(input_value, precision()));
    const double s_in = in_params.scale, limit = BiasLimit(mode_);
    if (std::vector<float> widened = ScalesTheBiasFits(l.bias, s_in, qw.scale, limit); widened != qw.scale)
      qw = QuantizeWithScales(l, WeightGrid{std::move(widened), bits});
    const int weights = add_weights();
    std::vector<int64_t> b64(oc);
    for (int c = 0; c < oc; ++c)  // the clamp only catches rounding at the limit: the scales make the biases fit
      b64[c] = static_cast<int64_t>(std::clamp(std::round(l.bias[c] / (s_in * qw.scale[c])), -limit, limit));
    if (int16()) return std::pair{weights, writer_.AddConstant(name + "/bias", DType::INT64, {oc}, b64)};
    const std::vector<int32_t> b32(b64.begin(), b64.end());
    return std::pair{weights, writer_.AddConstant(name + "/bias", DType::INT32, {oc}, b32)};
  }

  qfm::OptionsUnion ConvOptions(const DeployLayer& l) const {
    qfm::Conv2DOptionsT o;
    o.stride_h = l.stride[0], o.stride_w = l.stride[1];
    o.dilation_h = l.dilation[0], o.dilation_w = l.dilation[1];
    o.pad_top = l.pads[0], o.pad_left = l.pads[1], o.pad_bottom = l.pads[2], o.pad_right = l.pads[3];
    o.depth_multiplier = l.depth_multiplier;
    o.activation = ToQfm(l.activation);
    qfm::OptionsUnion u;
    u.Set(o);
    return u;
  }

  static qfm::OptionsUnion ConcatOptions(int axis) {
    qfm::ConcatenationOptionsT o;
    o.axis = axis;
    qfm::OptionsUnion u;
    u.Set(o);
    return u;
  }

  static qfm::OptionsUnion SliceOptions(int axis, int begin, int end) {
    qfm::SliceOptionsT o;
    o.axis = axis;
    o.begin = begin;
    o.end = end;
    qfm::OptionsUnion u;
    u.Set(o);
    return u;
  }

  qfm::OptionsUnion PoolOptions(const DeployLayer& l) const {
    qfm::Pool2DOptionsT o;
    o.filter_h = l.kernel[0], o.filter_w = l.kernel[1];
    o.stride_h = l.stride[0], o.stride_w = l.stride[1];
    o.pad_top = l.pads[0], o.pad_left = l.pads[1], o.pad_bottom = l.pads[2], o.pad_right = l.pads[3];
    qfm::OptionsUnion u;
    u.Set(o);
    return u;
  }

  // A grouped convolution: per group, a SLICE of its input channels and a CONV_2D with its
  // filters (the layer's fused activation; the output's grid), then one CONCATENATION.
  Status EmitGroupedConv(const DeployLayer& l, int input, int out) {
    const int groups = l.groups, group_out = l.out_channels() / groups, group_in = l.weight_shape[3];
    const size_t per_filter = l.weights.size() / l.out_channels();
    DeployLayer one = l;  // one group's layer, its weights filled in per group
    one.groups = 1;
    one.weight_shape[0] = group_out;
    one.weights.clear();
    one.bias.clear();
    one.folded_scale.clear();
    std::vector<int> parts;
    for (int g = 0; g < groups; ++g) {
      DeployLayer part = one;
      part.name = l.name + "/group" + std::to_string(g);
      part.weights.assign(l.weights.begin() + g * group_out * per_filter, l.weights.begin() + (g + 1) * group_out * per_filter);
      part.bias.assign(l.bias.begin() + g * group_out, l.bias.begin() + (g + 1) * group_out);
      if (!l.folded_scale.empty())
        part.folded_scale.assign(l.folded_scale.begin() + g * group_out, l.folded_scale.begin() + (g + 1) * group_out);
      std::vector<int> in_shape = graph_.values[l.inputs[0]].shape, out_shape = graph_.values[l.output].shape;
      in_shape[3] = group_in;
      out_shape[3] = group_out;
      QF_ASSIGN_OR_RETURN(const int sliced, NewActivation(l.inputs[0], precision(), part.name + "/input", &in_shape));
      writer_.AddOperator(OpType::SLICE, {input}, {sliced}, SliceOptions(3, g * group_in, (g + 1) * group_in));
      QF_ASSIGN_OR_RETURN(const auto weights_and_bias, EmitWeights(part, l.inputs[0], &l.name, g * group_out));
      const auto [weights, bias] = weights_and_bias;
      QF_ASSIGN_OR_RETURN(const int part_out, NewActivation(l.output, precision(), part.name, &out_shape));
      parts.push_back(part_out);
      writer_.AddOperator(OpType::CONV_2D, {sliced, weights, bias}, {parts.back()}, ConvOptions(part));
    }
    writer_.AddOperator(OpType::CONCATENATION, parts, {out}, ConcatOptions(3));
    return Status::Ok();
  }

  // An element-wise binary operator and its options (the fused activation).
  Status EmitBinary(const DeployLayer& l, const std::vector<int>& inputs, int out) {
    qfm::OptionsUnion u;
    switch (l.elementwise_op) {
      case OpType::ADD: {
        qfm::AddOptionsT o;
        o.activation = ToQfm(l.activation);
        u.Set(o);
        break;
      }
      case OpType::MUL: {
        qfm::MulOptionsT o;
        o.activation = ToQfm(l.activation);
        u.Set(o);
        break;
      }
      default: return InternalError("no options for element-wise operator {}", qfm::EnumNameOpType(l.elementwise_op));
    }
    writer_.AddOperator(l.elementwise_op, inputs, {out}, std::move(u));
    return Status::Ok();
  }

  Status EmitLayer(const DeployLayer& l) {
    std::vector<int> inputs;
    mode_ = LayerModeOf(options_.layer_modes, l.name, options_.mode);
    for (int v : l.inputs) {
      QF_ASSIGN_OR_RETURN(const int t, TensorFor(v, precision()));
      inputs.push_back(t);
    }
    QF_ASSIGN_OR_RETURN(const int out, NewHomeTensor(l.output, precision(), graph_.values[l.output].name));
    qfm::OptionsUnion u;
    switch (l.kind) {
      case LayerKind::kConv:
        if (l.groups > 1) return EmitGroupedConv(l, inputs[0], out);
        [[fallthrough]];
      case LayerKind::kDepthwise: {
        QF_ASSIGN_OR_RETURN(const auto weights_and_bias, EmitWeights(l, l.inputs[0]));
        const auto [weights, bias] = weights_and_bias;
        writer_.AddOperator(l.kind == LayerKind::kConv ? OpType::CONV_2D : OpType::DEPTHWISE_CONV_2D,
                       {inputs[0], weights, bias}, {out}, ConvOptions(l));
        return Status::Ok();
      }
      case LayerKind::kDense: {
        QF_ASSIGN_OR_RETURN(const auto weights_and_bias, EmitWeights(l, l.inputs[0]));
        const auto [weights, bias] = weights_and_bias;
        qfm::FullyConnectedOptionsT o;
        o.activation = ToQfm(l.activation);
        u.Set(o);
        writer_.AddOperator(OpType::FULLY_CONNECTED, {inputs[0], weights, bias}, {out}, std::move(u));
        return Status::Ok();
      }
      case LayerKind::kBinary: return EmitBinary(l, inputs, out);
      case LayerKind::kMaxPool:
      case LayerKind::kAvgPool:
        writer_.AddOperator(l.kind == LayerKind::kMaxPool ? OpType::MAX_POOL_2D : OpType::AVERAGE_POOL_2D, inputs,
                       {out}, PoolOptions(l));
        return Status::Ok();
      case LayerKind::kMean: writer_.AddOperator(OpType::MEAN, inputs, {out}); return Status::Ok();
      case LayerKind::kFlatten: writer_.AddOperator(OpType::RESHAPE, inputs, {out}); return Status::Ok();
      case LayerKind::kUnary:
        if (l.elementwise_op == OpType::CLIP) {
          qfm::ClipOptionsT o;
          o.min = l.clip_bounds[0];
          o.max = l.clip_bounds[1];
          u.Set(o);
        }
        writer_.AddOperator(l.elementwise_op, inputs, {out}, std::move(u));
        return Status::Ok();
      case LayerKind::kSoftmax: {
        qfm::SoftmaxOptionsT o;
        u.Set(o);
        writer_.AddOperator(OpType::SOFTMAX, inputs, {out}, std::move(u));
        return Status::Ok();
      }
      case LayerKind::kConcat:
        writer_.AddOperator(OpType::CONCATENATION, inputs, {out}, ConcatOptions(l.concat_axis));
        return Status::Ok();
      case LayerKind::kChannelShuffle: {
        qfm::ChannelShuffleOptionsT o;
        o.groups = l.groups;
        u.Set(o);
        writer_.AddOperator(OpType::CHANNEL_SHUFFLE, inputs, {out}, std::move(u));
        return Status::Ok();
      }
      case LayerKind::kInsertZeros: {
        qfm::InsertZerosOptionsT o;
        o.stride_h = l.stride[0];
        o.stride_w = l.stride[1];
        u.Set(o);
        writer_.AddOperator(OpType::INSERT_ZEROS, inputs, {out}, std::move(u));
        return Status::Ok();
      }
      case LayerKind::kResize: {
        qfm::ResizeOptionsT o;
        o.bilinear = l.resize.bilinear;
        o.coordinates = static_cast<qfm::ResizeCoordinates>(l.resize.coordinates);
        o.nearest_rounding = static_cast<qfm::NearestRounding>(l.resize.rounding);
        u.Set(o);
        writer_.AddOperator(OpType::RESIZE, inputs, {out}, std::move(u));
        return Status::Ok();
      }
      case LayerKind::kSlice: {
        const int axis = static_cast<int>(graph_.values[l.output].shape.size()) - 1;
        writer_.AddOperator(OpType::SLICE, inputs, {out}, SliceOptions(axis, l.slice_range[0], l.slice_range[1]));
        return Status::Ok();
      }
    }
    return InternalError("layer '{}' has an unknown kind", l.name);
  }

  const DeployGraph& graph_;
  const EmitOptions& options_;
  Mode mode_;  // the current layer's
  ModelWriter writer_;
  std::vector<std::array<int, 3>> value_tensor_;  // deploy value -> tensor index per Precision (-1: none)
  std::vector<Precision> home_;                   // deploy value -> its own tensor's precision
  std::vector<bool> softmax_output_;              // deploy value -> written by a Softmax (fixed grid)
};

}  // namespace

StatusOr<std::vector<uint8_t>> EmitQfm(const DeployGraph& graph, const EmitOptions& options) {
  return Emitter(graph, options).Run();
}

}  // namespace qforge::convert
