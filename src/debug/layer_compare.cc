// Per-layer comparison of a quantized model with its float model (see layer_compare.h).
#include "debug/layer_compare.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "convert/emit.h"
#include "convert/evaluate.h"
#include "runtime/interpreter.h"

namespace qforge::debug {
namespace {

using runtime::Interpreter;
using runtime::RuntimeTensor;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Running sums of one layer's comparison.
struct Sums {
  double signal = 0.0, noise = 0.0, max_error = 0.0;
  double added_signal = 0.0, added_noise = 0.0;
  bool added = false;
  int64_t values = 0, clipped = 0;
  int32_t q_min = std::numeric_limits<int32_t>::max(), q_max = std::numeric_limits<int32_t>::min();
};

std::pair<int32_t, int32_t> TypeLimits(const RuntimeTensor& t) {
  if (t.dtype == qfm::DType::INT16) return {-32768, 32767};
  if (t.bits > 0) return {-(1 << (t.bits - 1)), (1 << (t.bits - 1)) - 1};
  return {-128, 127};
}

int32_t IntegerAt(const RuntimeTensor& t, int64_t i) {
  return t.dtype == qfm::DType::INT16 ? t.as<int16_t>()[i] : t.as<int8_t>()[i];
}

// Writes float values into a float32 or quantized int8/int16 tensor (on its grid).
Status Store(const float* f, const RuntimeTensor& t) {
  if (t.dtype == qfm::DType::FLOAT32) {
    std::copy_n(f, t.elements, t.as<float>());
    return Status::Ok();
  }
  if ((t.dtype != qfm::DType::INT8 && t.dtype != qfm::DType::INT16) || !t.quantized())
    return InvalidArgument("tensor '{}' ({}) holds no float or quantized values", t.name, qfm::EnumNameDType(t.dtype));
  const auto [lo, hi] = TypeLimits(t);
  for (int64_t i = 0; i < t.elements; ++i) {
    const double q = std::clamp<double>(std::round(f[i] / t.scale[0]) + static_cast<double>(t.zero_point[0]), lo, hi);
    if (t.dtype == qfm::DType::INT16) t.as<int16_t>()[i] = static_cast<int16_t>(q);
    else t.as<int8_t>()[i] = static_cast<int8_t>(q);
  }
  return Status::Ok();
}

void AddToHistogram(Histogram& h, const float* x, int64_t n) {
  const int bins = static_cast<int>(h.counts.size());
  const double width = h.max - h.min;
  for (int64_t i = 0; i < n; ++i) {
    const int b = width > 0.0 ? static_cast<int>((x[i] - h.min) / width * bins) : 0;
    ++h.counts[std::clamp(b, 0, bins - 1)];
  }
}

Histogram MakeHistogram(double lo, double hi, int bins) {
  Histogram h;
  h.min = lo;
  h.max = hi > lo ? hi : lo + 1.0;
  h.counts.assign(bins, 0);
  return h;
}

// The weights of a conv/depthwise/dense operator (output channels along axis 3 for depthwise,
// 0 otherwise): their per-channel range spread and histogram.
Status DescribeWeights(const RuntimeTensor& w, qfm::OpType op, int bins, LayerStats& s) {
  std::vector<float> values;
  QF_RETURN_IF_ERROR(convert::TensorAsFloat(w, &values));
  const int axis = op == qfm::OpType::DEPTHWISE_CONV_2D ? static_cast<int>(w.shape.size()) - 1 : 0;
  const int64_t channels = w.shape[axis];
  int64_t inner = 1;
  for (size_t d = axis + 1; d < w.shape.size(); ++d) inner *= w.shape[d];
  std::vector<double> range(channels, 0.0);
  for (int64_t i = 0; i < w.elements; ++i) {
    double& r = range[(i / inner) % channels];
    r = std::max(r, static_cast<double>(std::fabs(values[i])));
  }
  const double lo = *std::min_element(range.begin(), range.end()), hi = *std::max_element(range.begin(), range.end());
  s.weight_spread = lo > 0.0 ? hi / lo : std::numeric_limits<double>::infinity();
  s.weights = MakeHistogram(-hi, hi, bins);
  AddToHistogram(s.weights, values.data(), w.elements);
  return Status::Ok();
}

bool HasWeights(qfm::OpType op) {
  return op == qfm::OpType::CONV_2D || op == qfm::OpType::DEPTHWISE_CONV_2D || op == qfm::OpType::FULLY_CONNECTED;
}

// The deploy value a tensor holds: its own name, or a conversion of it (name + suffix).
int ValueOfTensor(const std::map<std::string, int>& values, const std::string& name) {
  const auto exact = values.find(name);
  if (exact != values.end()) return exact->second;
  for (const char* suffix : {"/quantized", "/dequantized", "/int8", "/int16"}) {
    const std::string s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      const auto base = values.find(name.substr(0, name.size() - s.size()));
      if (base != values.end()) return base->second;
    }
  }
  return -1;
}

// One compared layer: its value, tensor and operator, and the values its operator reads (empty
// when one is not a deploy value); the same in the float model.
struct Layer {
  int value = -1, tensor = -1, op = -1;
  std::vector<std::pair<int, int>> inputs;  // (tensor, value)
  int float_tensor = -1, float_op = -1;
  std::vector<std::pair<int, int>> float_inputs;
};

// The operators computing each named tensor's value, and the values their inputs hold (empty when
// an input is no deploy value, or the operator converts between types).
void FindOperator(const qfm::Model& file, const std::vector<RuntimeTensor>& tensors,
                  const std::map<std::string, int>& value_of_name, int tensor, int* op_index,
                  std::vector<std::pair<int, int>>* inputs) {
  for (uint32_t k = 0; k < file.operators()->size(); ++k) {
    const qfm::Operator& op = *file.operators()->Get(k);
    if (op.outputs()->Get(0) != tensor) continue;
    *op_index = static_cast<int>(k);
    inputs->clear();
    if (op.type() == qfm::OpType::QUANTIZE || op.type() == qfm::OpType::DEQUANTIZE) return;
    for (int i : *op.inputs()) {
      if (i < 0 || tensors[i].constant) continue;
      const int v = ValueOfTensor(value_of_name, tensors[i].name);
      if (v < 0) {
        inputs->clear();
        return;
      }
      inputs->push_back({i, v});
    }
    return;
  }
}

}  // namespace

double SqnrDb(double signal, double noise) {
  if (noise <= 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / noise);
}

StatusOr<std::vector<LayerStats>> CompareLayers(const convert::DeployGraph& reference,
                                                std::shared_ptr<const runtime::Model> quantized, const float* samples,
                                                int64_t count, const CompareOptions& o) {
  if (count < 1) return InvalidArgument("the debugger needs at least one sample");
  convert::EmitOptions eo;
  eo.every_value_an_output = true;
  QF_ASSIGN_OR_RETURN(const std::vector<uint8_t> bytes, convert::EmitQfm(reference, eo));
  QF_ASSIGN_OR_RETURN(std::shared_ptr<const runtime::Model> float_model,
                      runtime::Model::FromBytes(bytes.data(), bytes.size(), "float reference"));
  const int batch = static_cast<int>(std::min<int64_t>(o.batch, count));
  auto make = [&](std::shared_ptr<const runtime::Model> m, int n, bool keep) {
    runtime::InterpreterOptions io;
    io.batch_size = n;
    io.keep_all_tensors = keep;
    return Interpreter::Create(std::move(m), io);
  };
  QF_ASSIGN_OR_RETURN(std::unique_ptr<Interpreter> float_full, make(float_model, batch, true));
  QF_ASSIGN_OR_RETURN(std::unique_ptr<Interpreter> quant_full, make(quantized, batch, true));
  std::unique_ptr<Interpreter> float_tail, quant_tail;
  if (count % batch) {
    QF_ASSIGN_OR_RETURN(float_tail, make(float_model, static_cast<int>(count % batch), true));
    QF_ASSIGN_OR_RETURN(quant_tail, make(quantized, static_cast<int>(count % batch), true));
  }
  const int64_t sample_size = float_full->input(0).elements / batch;
  if (quant_full->num_inputs() != 1 || quant_full->input(0).elements != float_full->input(0).elements)
    return InvalidArgument("the quantized model's input ({}) is not the float model's ({})",
                           runtime::ShapeString(quant_full->input(0).shape), runtime::ShapeString(float_full->input(0).shape));

  // The layers both models have, in the quantized model's operator order.
  const qfm::Model& file = quantized->flat();
  std::map<std::string, int> value_of_name;
  for (size_t v = 0; v < reference.values.size(); ++v) value_of_name[reference.values[v].name] = static_cast<int>(v);
  const qfm::Model& float_file = float_model->flat();
  std::vector<Layer> layers;
  for (uint32_t k = 0; k < file.operators()->size(); ++k) {
    const int t = file.operators()->Get(k)->outputs()->Get(0);
    const std::string& name = quant_full->tensors()[t].name;
    const auto v = value_of_name.find(name);
    if (v == value_of_name.end() || v->second == reference.input) continue;
    Layer l;
    l.value = v->second;
    l.tensor = t;
    FindOperator(file, quant_full->tensors(), value_of_name, t, &l.op, &l.inputs);
    l.float_tensor = float_full->FindTensor(name);
    if (quant_full->tensors()[t].shape != float_full->output(l.value).shape)
      return InvalidArgument("layer '{}' is {} in {} but {} in the float model: was it made from this checkpoint?", name,
                             runtime::ShapeString(quant_full->tensors()[t].shape), "the .qfm",
                             runtime::ShapeString(float_full->output(l.value).shape));
    if (l.float_tensor >= 0)
      FindOperator(float_file, float_full->tensors(), value_of_name, l.float_tensor, &l.float_op, &l.float_inputs);
    bool paired = l.float_inputs.size() == l.inputs.size();
    for (size_t j = 0; paired && j < l.inputs.size(); ++j)
      paired = l.inputs[j].second == l.float_inputs[j].second &&
               quant_full->tensors()[l.inputs[j].first].shape == float_full->tensors()[l.float_inputs[j].first].shape;
    if (!paired) l.inputs.clear();
    layers.push_back(l);
  }

  std::vector<Sums> sums(layers.size());
  std::vector<LayerStats> stats(layers.size());
  std::vector<float> q, input;
  for (int64_t first = 0; first < count; first += batch) {
    const bool full = count - first >= batch;
    Interpreter& fl = full ? *float_full : *float_tail;
    Interpreter& qu = full ? *quant_full : *quant_tail;
    const int64_t n = fl.batch_size();
    QF_RETURN_IF_ERROR(fl.SetInput(0, samples + first * sample_size, n * sample_size * 4));
    QF_RETURN_IF_ERROR(fl.Invoke());
    QF_RETURN_IF_ERROR(Store(samples + first * sample_size, qu.input(0)));
    QF_RETURN_IF_ERROR(qu.Invoke());
    for (size_t i = 0; i < layers.size(); ++i) {  // accumulated error
      const RuntimeTensor& t = qu.tensors()[layers[i].tensor];
      const float* f = fl.output(layers[i].value).as<float>();
      QF_RETURN_IF_ERROR(convert::TensorAsFloat(t, &q));
      Sums& s = sums[i];
      LayerStats& st = stats[i];
      if (first == 0) {  // the histogram covers the grid's range and the first batch's values
        st.layer = reference.values[layers[i].value].name;
        st.op = qfm::EnumNameOpType(file.operators()->Get(layers[i].op)->type());
        st.dtype = qfm::EnumNameDType(t.dtype);
        st.elements = t.elements / n;
        double lo = *std::min_element(f, f + t.elements), hi = *std::max_element(f, f + t.elements);
        if (t.quantized()) {
          const auto [qmin, qmax] = TypeLimits(t);
          st.scale = t.scale[0];
          st.zero_point = static_cast<int32_t>(t.zero_point[0]);
          st.grid_low = (qmin - st.zero_point) * st.scale;
          st.grid_high = (qmax - st.zero_point) * st.scale;
          lo = std::min(lo, (qmin - st.zero_point) * st.scale);
          hi = std::max(hi, (qmax - st.zero_point) * st.scale);
        }
        st.activations = MakeHistogram(lo, hi, o.bins);
        const qfm::Operator& op = *file.operators()->Get(layers[i].op);
        if (HasWeights(op.type()) && op.inputs()->size() > 1 && op.inputs()->Get(1) >= 0) {
          QF_RETURN_IF_ERROR(DescribeWeights(qu.tensors()[op.inputs()->Get(1)], op.type(), o.bins, st));
        } else {
          st.weight_spread = kNaN;
        }
      }
      AddToHistogram(st.activations, f, t.elements);
      std::pair<int32_t, int32_t> limits = t.quantized() ? TypeLimits(t) : std::pair<int32_t, int32_t>{0, 0};
      const double low = (limits.first - st.zero_point - 0.5) * st.scale, high = (limits.second - st.zero_point + 0.5) * st.scale;
      for (int64_t e = 0; e < t.elements; ++e) {
        const double err = static_cast<double>(q[e]) - f[e];
        s.signal += static_cast<double>(f[e]) * f[e];
        s.noise += err * err;
        s.max_error = std::max(s.max_error, std::fabs(err));
        if (t.quantized()) {
          const int32_t v = IntegerAt(t, e);
          s.q_min = std::min(s.q_min, v);
          s.q_max = std::max(s.q_max, v);
          s.clipped += f[e] < low || f[e] > high;
        }
      }
      s.values += t.elements;
    }
    // Added error: the operator alone, on the float values rounded onto its input grids, against
    // the float operator on the same rounded values (so input rounding is not counted twice).
    std::vector<std::vector<float>> floats(reference.values.size());
    for (const Layer& l : layers)
      for (const auto& [tensor, value] : l.inputs)
        if (floats[value].empty()) {
          const RuntimeTensor& f = fl.output(value);
          floats[value].assign(f.as<float>(), f.as<float>() + f.elements);
        }
    for (size_t i = 0; i < layers.size(); ++i) {
      const Layer& l = layers[i];
      if (l.inputs.empty() || l.float_op < 0) continue;
      for (size_t j = 0; j < l.inputs.size(); ++j) {
        const RuntimeTensor& qt = qu.tensors()[l.inputs[j].first];
        QF_RETURN_IF_ERROR(Store(floats[l.inputs[j].second].data(), qt));
        QF_RETURN_IF_ERROR(convert::TensorAsFloat(qt, &input));
        std::copy(input.begin(), input.end(), fl.tensors()[l.float_inputs[j].first].as<float>());
      }
      QF_RETURN_IF_ERROR(qu.InvokeOperator(l.op));
      QF_RETURN_IF_ERROR(fl.InvokeOperator(l.float_op));
      const RuntimeTensor& t = qu.tensors()[l.tensor];
      const float* f = fl.tensors()[l.float_tensor].as<float>();
      QF_RETURN_IF_ERROR(convert::TensorAsFloat(t, &q));
      for (int64_t e = 0; e < t.elements; ++e) {
        const double err = static_cast<double>(q[e]) - f[e];
        sums[i].added_signal += static_cast<double>(f[e]) * f[e];
        sums[i].added_noise += err * err;
      }
      sums[i].added = true;
    }
  }
  for (size_t i = 0; i < layers.size(); ++i) {
    const Sums& s = sums[i];
    LayerStats& st = stats[i];
    st.sqnr_db = SqnrDb(s.signal, s.noise);
    st.mse = s.noise / static_cast<double>(std::max<int64_t>(s.values, 1));
    st.max_error = s.max_error;
    st.added_sqnr_db = s.added ? SqnrDb(s.added_signal, s.added_noise) : kNaN;
    st.added_mse = s.added ? s.added_noise / static_cast<double>(std::max<int64_t>(s.values, 1)) : kNaN;
    if (st.scale > 0.0) {
      const RuntimeTensor& t = quant_full->tensors()[layers[i].tensor];
      const auto [qmin, qmax] = TypeLimits(t);
      st.range_utilization = s.q_max >= s.q_min ? static_cast<double>(s.q_max - s.q_min) / (qmax - qmin) : 0.0;
      st.clipped_fraction = static_cast<double>(s.clipped) / static_cast<double>(std::max<int64_t>(s.values, 1));
    } else {
      st.range_utilization = kNaN;
      st.clipped_fraction = kNaN;
    }
  }
  return stats;
}

}  // namespace qforge::debug
