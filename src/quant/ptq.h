// Post-training quantization: a trained float checkpoint becomes a .qfm model in any of the
// converter's modes. For int8 and int16x8 the activation ranges come from calibration on
// training samples; tensors that must share parameters (max/avg pooling and flatten keep
// their input's, concatenation inputs share the output's) get the union of their ranges. The
// model input's range is the exact range of the preprocessed pixels 0..255.
// Optional bias correction removes the mean output shift that weight rounding causes
// (E[(W_q - W) x] per output channel, from the calibration inputs' channel means; the
// empirical variant of Nagel et al. 2019).
#pragma once

#include <cstdint>
#include <vector>

#include "convert/emit.h"
#include "quant/calibration.h"
#include "train/checkpoint.h"

namespace qforge::quant {

struct PtqOptions {
  convert::Mode mode = convert::Mode::kInt8;
  CalibrationOptions calibration;
  int64_t calibration_samples = 1000;
  uint64_t seed = 1;  // which training samples calibrate
  bool bias_correction = false;
  bool int8_io = false;
};

// `calibration_data` may be null for modes without activation ranges.
StatusOr<std::vector<uint8_t>> QuantizeCheckpoint(const Checkpoint& checkpoint, const ImageDataset* calibration_data,
                                                  const PtqOptions& options);

// Gives each group of tensors that must share quantization parameters the union of its ranges.
void TieRanges(const convert::DeployGraph& graph, std::vector<convert::ValueRange>* ranges);

// Subtracts each weighted layer's expected output error from its bias (see above).
void CorrectBiases(const std::vector<std::vector<double>>& channel_means, convert::DeployGraph* graph);

}  // namespace qforge::quant
