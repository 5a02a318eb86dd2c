// The built-in quantization schemes.
#include "quant/scheme.h"

#include "runtime/quant_grid.h"

namespace qforge::quant {

StatusOr<Scheme> MakeScheme(const std::string& name, int weight_bits, int activation_bits,
                            const std::string& quantizer) {
  if (name != "int8" && name != "int8-per-tensor" && name != "nbit" && name != "int16x8")
    return InvalidArgument("unknown scheme '{}' (int8, int8-per-tensor, nbit, int16x8)", name);
  if (quantizer != "ema" && quantizer != "lsq" && quantizer != "pact")
    return InvalidArgument("unknown quantizer '{}' (ema, lsq, pact)", quantizer);
  if (name != "nbit") weight_bits = 8, activation_bits = name == "int16x8" ? 16 : 8;
  if (weight_bits < 2 || weight_bits > 8 || (name == "nbit" && (activation_bits < 2 || activation_bits > 8)))
    return InvalidArgument("nbit takes 2..8 bits for weights and activations");
  if (name == "int16x8" && quantizer != "ema") return InvalidArgument("int16x8 uses the ema quantizer");
  Scheme s;
  s.name = name;
  const nlohmann::json weight_spec{{"bits", weight_bits}, {"symmetric", true}, {"narrow", true},
                                   {"per_channel", name != "int8-per-tensor"}};
  const nlohmann::json signed_spec{{"bits", activation_bits}, {"symmetric", name == "int16x8"}};
  s.weights = {quantizer == "lsq" ? "lsq" : "minmax", {{"spec", weight_spec}}};
  if (quantizer == "lsq") {
    s.activations = {"lsq", {{"spec", {{"bits", activation_bits}, {"symmetric", true}}}, {"activation", true}}};
    s.relu_activations = {"lsq", {{"spec", {{"bits", activation_bits}}}, {"activation", true}}};
  } else {
    s.activations = {"ema", {{"spec", signed_spec}, {"decay", 0.99}}};
    s.relu_activations = quantizer == "pact" ? QuantizerChoice{"pact", {{"spec", signed_spec}, {"alpha", 6.0}}}
                                             : s.activations;
  }
  const bool int16 = name == "int16x8";
  s.input = {"ema", {{"spec", {{"bits", int16 ? 16 : 8}, {"symmetric", int16}}}, {"decay", 0.99}}};
  s.output = name == "nbit" ? QuantizerChoice{s.activations.type, s.activations.attrs} : s.activations;
  if (name == "nbit") s.output.attrs["spec"]["bits"] = 8;
  // The runtime's fixed Softmax grid (runtime::SoftmaxOutputGrid) as a fixed range: from 0
  // (probabilities are not negative) to the grid's top level, which the range-to-grid definition
  // maps back to exactly that scale and zero point.
  const runtime::GridParams grid = runtime::SoftmaxOutputGrid(int16);
  const int qmax = runtime::GridMax(int16 ? 16 : 8);
  s.softmax = {"fixed",
               {{"spec", {{"bits", int16 ? 16 : 8}, {"symmetric", int16}}},
                {"min", 0.0},
                {"max", (qmax - grid.zero_point) * static_cast<double>(grid.scale)}}};
  return s;
}

}  // namespace qforge::quant
