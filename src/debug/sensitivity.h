// Layer sensitivity for the quantization debugger: the test accuracy of the model with one
// layer quantized and all others float, and with one layer float and all others quantized, each
// against the all-float and the all-quantized model. The variants come from one PtqSession (the
// same calibration, rounding and corrections as the model under test).
#pragma once

#include <string>
#include <vector>

#include "data/dataset.h"
#include "quant/ptq.h"

namespace qforge::debug {

struct LayerSensitivity {
  std::string layer;
  double alone_drop = 0.0;   // float accuracy - accuracy with only this layer quantized
  double float_gain = 0.0;   // accuracy with this layer in float - all-quantized accuracy
};

struct Sensitivity {
  double float_accuracy = 0.0, quantized_accuracy = 0.0;
  int64_t samples = 0;
  std::vector<LayerSensitivity> layers;  // every layer the session quantizes, in order
};

StatusOr<Sensitivity> MeasureSensitivity(const quant::PtqSession& session, const ImageDataset& test, int threads);

}  // namespace qforge::debug
