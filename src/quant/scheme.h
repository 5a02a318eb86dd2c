// Quantization schemes for quantization-aware training: which quantizer (and grid) weights and
// activations get by default, and per-node configs that override them.
//   int8             per-channel symmetric narrow-range 8-bit weights, asymmetric 8-bit
//                    activations (TFLite's int8 scheme)
//   int8-per-tensor  the same with one weight scale per tensor
//   nbit             weights and activations of 2..8 bits each (stored in int8 containers)
//   int16x8          8-bit weights, symmetric 16-bit activations
// The quantizer family: "ema" (weights: min/max of the current value; activations: moving
// average of batch ranges), "lsq" (learned step sizes for both), "pact" (learned clipping of
// ReLU outputs, weights min/max).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/status.h"

namespace qforge::quant {

struct QuantizerChoice {
  std::string type;
  nlohmann::json attrs;  // includes "spec"
};

struct QuantizeConfig {
  bool keep_float = false;        // no fake quantization at this node at all
  bool quantize_weights = true;   // conv/dense weights
  bool quantize_output = true;    // the node's (fused unit's) output
  std::optional<QuantizerChoice> weights, activations;  // override the scheme's
};

struct Scheme {
  std::string name = "int8";
  QuantizerChoice weights;
  QuantizerChoice activations;         // outputs that may be negative
  QuantizerChoice relu_activations;    // outputs of units ending in ReLU/ReLU6
  QuantizerChoice input;               // the model input: 8-bit pixels stay 8-bit in every scheme
  QuantizerChoice output;              // the model output (logits): 8-bit, as in Esser et al. 2020
  QuantizerChoice softmax;             // Softmax outputs: the runtime's fixed grid (convert/emit.h)
  bool fold_batch_norm = true;
};

// name: int8 | int8-per-tensor | nbit | int16x8; bits apply to nbit; quantizer: ema | lsq | pact.
StatusOr<Scheme> MakeScheme(const std::string& name, int weight_bits = 8, int activation_bits = 8,
                            const std::string& quantizer = "ema");

}  // namespace qforge::quant
