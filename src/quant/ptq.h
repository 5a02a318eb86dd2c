// Post-training quantization: a trained float checkpoint becomes a .qfm model in any of the
// converter's modes. For int8 and int16x8 the activation ranges come from calibration on
// training samples; tensors that must share parameters (max/avg pooling and flatten keep
// their input's, concatenation inputs share the output's) get the union of their ranges. The
// model input's range is the exact range of the preprocessed pixels 0..255.
// Optional bias correction removes the mean output shift that weight rounding causes
// (E[(W_q - W) x] per output channel, from the calibration inputs' channel means; the
// empirical variant of Nagel et al. 2019).
// Mixed precision: chosen layers run in float, int8 or int16x8 within an int8 or int16x8 model;
// the values of layers in the other integer type get ranges calibrated for that type's grid.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "convert/emit.h"
#include "quant/adaround.h"
#include "quant/calibration.h"
#include "quant/equalize.h"
#include "train/checkpoint.h"

namespace qforge::quant {

struct PtqOptions {
  convert::Mode mode = convert::Mode::kInt8;
  CalibrationOptions calibration;
  int64_t calibration_samples = 1000;
  uint64_t seed = 1;  // which training samples calibrate
  bool bias_correction = false;
  bool int8_io = false;
  // Mixed precision (int8 and int16x8 modes): nodes of the float graph whose layer runs in another
  // mode (float, int8 or int16x8); a node fused into a layer (batch norm, activation) names it.
  std::map<std::string, convert::Mode> node_modes;
  // Weight grids (int8 and int16x8 modes): one scale per tensor instead of per output channel;
  // b-bit weights (2..8) in int8 containers.
  bool per_tensor_weights = false;
  int weight_bits = 8;
  // Accuracy recovery (int8 and int16x8 modes): cross-layer equalization with bias absorption
  // (equalize.h), learned rounding (adaround.h; not with bias correction).
  bool equalize = false;
  bool adaround = false;
  AdaRoundOptions adaround_options;
  // Data-parallel calibration: each replica preprocesses and runs its share of the calibration
  // samples and the statistics are reduced over them (CalibrationOptions::replicas), so every
  // replica emits the model one process would. Not with AdaRound (its optimization runs alone).
  ReplicaGroup* replicas = nullptr;
};

// What the recovery steps did.
struct PtqReport {
  EqualizeReport equalization;
  std::vector<AdaRoundLayer> adaround;
};

// The deploy layers the nodes of `node_modes` name (see PtqOptions), by layer name. Fails for a
// name that is not a node of the graph or that no layer computes (the input).
StatusOr<std::map<std::string, convert::Mode>> LayerModes(const Graph& graph, const convert::DeployGraph& deploy,
                                                          const std::map<std::string, convert::Mode>& node_modes);

// Options that cannot go together, or need an integer mode, are errors.
Status CheckPtqOptions(const PtqOptions& options);

// The options a post-training .qfm model was made with, from its metadata (QuantizeCheckpoint
// records them); fails for a model that metadata does not describe (a QAT model, or one from
// another tool).
StatusOr<PtqOptions> PtqOptionsFromMetadata(const nlohmann::json& metadata);

// A checkpoint prepared for quantization once — lowered, equalized, calibrated, its weights
// rounded and biases corrected — from which models with different layer modes are emitted (the
// quantization debugger's and mixed-precision search's variants). The preparation does not
// depend on the layer modes: every layer is calibrated (also for the other integer type's grid
// when the method is not min/max), rounded (AdaRound fits each layer to the all-quantized
// model's inputs) and bias-corrected; a variant's float layers get the float weights back.
class PtqSession {
 public:
  // `calibration_data` may be null for modes without activation ranges.
  static StatusOr<PtqSession> Create(const Checkpoint& checkpoint, const ImageDataset* calibration_data,
                                     const PtqOptions& options);
  // The model with the options' layer modes, or with `layer_modes` (by layer name) instead; a
  // layer in float runs the float weights and bias.
  StatusOr<std::vector<uint8_t>> Emit(const std::map<std::string, convert::Mode>* layer_modes = nullptr) const;

  const convert::DeployGraph& graph() const { return graph_; }
  convert::Mode base_mode() const { return emit_.mode; }
  // The float model the quantized one approximates (lowered, equalized, biases absorbed).
  const convert::DeployGraph& float_graph() const { return float_graph_; }
  // The options' layer modes (Emit's default).
  const std::map<std::string, convert::Mode>& layer_modes() const { return default_modes_; }
  const PtqReport& report() const { return report_; }

 private:
  PtqSession() = default;
  convert::DeployGraph float_graph_, graph_;
  convert::EmitOptions emit_;  // base mode, tied ranges, weight grids
  std::map<std::string, convert::Mode> default_modes_;
  std::vector<convert::ValueRange> ranges_, other_ranges_;  // untied; for the other integer type (non-min/max methods)
  nlohmann::json meta_;
  PtqReport report_;
};

// PtqSession::Create(...).Emit().
StatusOr<std::vector<uint8_t>> QuantizeCheckpoint(const Checkpoint& checkpoint, const ImageDataset* calibration_data,
                                                  const PtqOptions& options, PtqReport* report = nullptr);

// Gives each group of tensors that must share quantization parameters the union of its ranges.
void TieRanges(const convert::DeployGraph& graph, std::vector<convert::ValueRange>* ranges);

// Subtracts each weighted layer's expected output error from its bias (see above).
// Layers in float mode (`layer_modes`) keep their biases; weights are rounded on their grid in
// `grids` (by layer name) or the default one.
void CorrectBiases(const std::vector<std::vector<double>>& channel_means, convert::DeployGraph* graph,
                   const std::map<std::string, convert::Mode>& layer_modes = {},
                   const std::map<std::string, convert::WeightGrid>& grids = {});

}  // namespace qforge::quant
