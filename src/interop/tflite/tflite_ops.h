// The per-operator TFLite exporters, one table per file, and what they share: TFLite's
// SAME/VALID padding (other padding becomes an explicit PAD) and activation codes.
#pragma once

#include <array>

#include "interop/exporter_table.h"
#include "interop/tflite/tflite_builder.h"

namespace qforge::tflite_export {

using OpExporter = Status (*)(TfliteBuilder& b, const QfmOp& op);
using ExporterRow = interop::ExporterRow<OpExporter>;
std::vector<ExporterRow> LayerExporters();        // tflite_layers.cc: convolutions, dense, pooling, mean
std::vector<ExporterRow> ElementwiseExporters();  // tflite_elementwise.cc: add, mul, activations, softmax, (de)quantize
std::vector<ExporterRow> ShapeExporters();        // tflite_shape.cc: concat, reshape, shuffle, slice, resize, insert zeros

tfl::ActivationFunctionType TfliteActivation(qfm::Activation activation);

// A window's explicit padding {top, left, bottom, right} as TFLite's: SAME when it is the padding
// SAME computes for these sizes, VALID when none; otherwise `input` is padded first (with
// 0, or for max pooling the lowest value — PAD when no value is below 0, else PADV2) and the
// window is VALID.
struct WindowPadding {
  tfl::Padding padding = tfl::Padding::VALID;
  int input = -1;  // the TFLite tensor the window reads
};
WindowPadding PadFor(TfliteBuilder& b, int input, int output, std::array<int, 4> pads, int kernel_h, int kernel_w,
                     int stride_h, int stride_w, int dilation_h, int dilation_w, bool fill_lowest);

// The TFLite tensor for a constant weight tensor as float: itself when float, else a DEQUANTIZE
// of it (float16, or int8 weights of a dynamic-range model, whose activations are float).
int FloatWeights(TfliteBuilder& b, int weights);

// For an operator whose quantized output must lie on the grid (scale, zero_point) (TFLite's
// LOGISTIC and SOFTMAX): the tensor it writes for .qfm tensor `out` — `out` itself when float or
// on that grid, else a new tensor on it that FinishOnGrid then requantizes into `out`.
int OnGrid(TfliteBuilder& b, int out, float scale, int64_t zero_point);
// QUANTIZE of TFLite tensor `from` into `to` (onto its grid).
void QuantizeInto(TfliteBuilder& b, int from, int to);
// MAXIMUM or MINIMUM (`code`) of TFLite tensors `value` and `bound` into `out`.
void MaxMin(TfliteBuilder& b, tfl::BuiltinOperator code, int value, int bound, int out);
void FinishOnGrid(TfliteBuilder& b, int written, int out);

}  // namespace qforge::tflite_export
