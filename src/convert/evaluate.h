// Evaluating a .qfm classifier with the runtime on a labelled image dataset: the model's
// metadata supplies the preprocessing; float inputs get the preprocessed pixels, integer
// inputs (--int8-io models) those pixels quantized with the input's parameters; the predicted
// class is the argmax of the output (integer outputs compared as integers — dequantization is
// monotonic). Several threads each run their own interpreter over one shared Model.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "runtime/interpreter.h"

namespace qforge::convert {

struct QfmMetadata {
  nlohmann::json json;  // everything the converter stored
  Preprocess preprocess;
  std::vector<std::string> class_names;
};
StatusOr<QfmMetadata> ReadMetadata(const runtime::Model& model, const std::string& what);

// The image input of a .qfm model as NCHW ({batch, C, H, W}; the runtime's layout is NHWC).
StatusOr<Shape> InputShapeNchw(std::shared_ptr<const runtime::Model> model, const std::string& what);

struct QfmEvalResult {
  double accuracy = 0.0;
  int64_t count = 0;
  std::vector<int32_t> predictions;
};

StatusOr<QfmEvalResult> EvaluateQfm(std::shared_ptr<const runtime::Model> model, const std::string& what,
                                    const ImageDataset& data, int batch, int threads);

// Interpreters of one model for batches of `batch` samples and for one shorter last batch, each
// made on first use (a model runs over a data set in batches with at most these two).
class BatchInterpreters {
 public:
  BatchInterpreters(std::shared_ptr<const runtime::Model> model, int batch, int threads = 1)
      : model_(std::move(model)), batch_(batch), threads_(threads) {}
  // The interpreter for a batch of `n` samples (n <= batch).
  StatusOr<runtime::Interpreter*> For(int64_t n);

 private:
  std::shared_ptr<const runtime::Model> model_;
  int batch_, threads_;
  std::unique_ptr<runtime::Interpreter> full_, tail_;
};

// Fills an interpreter's input 0 with `count` examples (indices[0..count)) of `data`,
// preprocessed and, for an integer input, quantized with its parameters.
Status FillInput(const ImageDataset& data, const Preprocess& pre, const int64_t* indices, int64_t count,
                 runtime::Interpreter* interpreter);

// A tensor's values as floats: float32 and float16 as they are, int8 and int16 dequantized (per
// tensor, or per slice of its quantized dimension). An integer tensor without quantization
// parameters is an error.
Status TensorAsFloat(const runtime::RuntimeTensor& tensor, std::vector<float>* values);

// Runs a .qfm model given as bytes on a labelled data set: its accuracy.
StatusOr<double> QfmAccuracy(const std::vector<uint8_t>& model, const ImageDataset& data, int threads);

// Index of the largest value of row `row` of output 0 (any element type; first on ties).
int32_t ArgMaxRow(const runtime::RuntimeTensor& output, int row);

}  // namespace qforge::convert
