// Runtime evaluation of .qfm classifiers.
#include "convert/evaluate.h"

#include <algorithm>
#include <numeric>
#include <thread>

#include "runtime/float16.h"
#include "runtime/quant_math.h"

namespace qforge::convert {

using runtime::Interpreter;
using runtime::RuntimeTensor;
using qfm::DType;

StatusOr<QfmMetadata> ReadMetadata(const runtime::Model& model, const std::string& what) {
  QfmMetadata m;
  const auto* text = model.flat().metadata();
  m.json = nlohmann::json::parse(text ? text->str() : std::string("{}"), nullptr, /*allow_exceptions=*/false);
  if (m.json.is_discarded() || !m.json.is_object()) return DataLoss("{}: metadata is not a JSON object", what);
  if (m.json.contains("preprocess")) {
    QF_ASSIGN_OR_RETURN(m.preprocess, Preprocess::FromJson(m.json["preprocess"]));
  }
  if (m.json.contains("class_names")) {
    if (!m.json["class_names"].is_array()) return DataLoss("{}: class_names is not a list", what);
    for (const auto& n : m.json["class_names"]) {
      if (!n.is_string()) return DataLoss("{}: class_names holds a non-string", what);
      m.class_names.push_back(n.get<std::string>());
    }
  }
  return m;
}

StatusOr<Shape> InputShapeNchw(std::shared_ptr<const runtime::Model> model, const std::string& what) {
  QF_ASSIGN_OR_RETURN(std::unique_ptr<Interpreter> it, Interpreter::Create(model));
  if (it->num_inputs() != 1) return InvalidArgument("{}: the model has {} inputs, not one", what, it->num_inputs());
  const std::vector<int>& nhwc = it->input(0).shape;
  if (nhwc.size() != 4) return InvalidArgument("{}: the model's input {} is not a batch of images", what,
                                               runtime::ShapeString(nhwc));
  return Shape{nhwc[0], nhwc[3], nhwc[1], nhwc[2]};
}

StatusOr<Interpreter*> BatchInterpreters::For(int64_t n) {
  std::unique_ptr<Interpreter>& it = n == batch_ ? full_ : tail_;
  if (!it) {
    runtime::InterpreterOptions options;
    options.batch_size = static_cast<int>(n);
    options.threads = threads_;
    QF_ASSIGN_OR_RETURN(it, Interpreter::Create(model_, options));
  }
  return it.get();
}

Status FillInput(const ImageDataset& data, const Preprocess& pre, const int64_t* indices, int64_t count,
                 Interpreter* it) {
  const RuntimeTensor& in = it->input(0);
  const int64_t per_sample = data.channels * data.height * data.width;
  if (in.elements != count * per_sample)
    return InvalidArgument("model input {} does not hold {} images of {}x{}x{}", runtime::ShapeString(in.shape), count,
                           data.height, data.width, data.channels);
  std::vector<float> x(static_cast<size_t>(in.elements));
  PreprocessNhwc(data, pre, indices, count, x.data());
  switch (in.dtype) {
    case DType::FLOAT32: return it->SetInput(0, x.data(), in.bytes);
    case DType::INT8:
    case DType::INT16: {
      const double s = in.scale.at(0);
      const auto zp = static_cast<int32_t>(in.zero_point.at(0));
      for (int64_t i = 0; i < in.elements; ++i) {
        if (in.dtype == DType::INT8) in.as<int8_t>()[i] = runtime::QuantizeTo<int8_t>(x[i], s, zp);
        else in.as<int16_t>()[i] = runtime::QuantizeTo<int16_t>(x[i], s, zp);
      }
      return Status::Ok();
    }
    default: return InvalidArgument("model input has type {}, which evaluation cannot feed",
                                    qfm::EnumNameDType(in.dtype));
  }
}

int32_t ArgMaxRow(const RuntimeTensor& out, int row) {
  const int classes = out.shape.back();
  auto argmax = [&](const auto* p) {
    p += static_cast<int64_t>(row) * classes;
    return static_cast<int32_t>(std::max_element(p, p + classes) - p);
  };
  switch (out.dtype) {
    case DType::INT8: return argmax(out.as<int8_t>());
    case DType::INT16: return argmax(out.as<int16_t>());
    default: return argmax(out.as<float>());
  }
}

StatusOr<QfmEvalResult> EvaluateQfm(std::shared_ptr<const runtime::Model> model, const std::string& what,
                                    const ImageDataset& data, int batch, int threads) {
  QF_ASSIGN_OR_RETURN(const QfmMetadata meta, ReadMetadata(*model, what));
  if (model->flat().inputs()->size() != 1 || model->flat().outputs()->size() != 1)
    return InvalidArgument("{}: evaluation needs a model with one input and one output", what);
  if (!data.labelled()) return InvalidArgument("evaluation needs labelled test images, and the data has none");
  batch = static_cast<int>(std::min<int64_t>(batch, data.count));
  threads = std::max(1, std::min<int>(threads, static_cast<int>((data.count + batch - 1) / batch)));
  QF_ASSIGN_OR_RETURN(std::unique_ptr<Interpreter> probe, Interpreter::Create(model, {batch}));
  const RuntimeTensor& out = probe->output(0);
  if (out.shape.size() != 2 || out.shape[0] != batch)
    return InvalidArgument("{}: output {} is not [batch, classes]", what, runtime::ShapeString(out.shape));
  if (out.shape[1] < data.num_classes)
    return InvalidArgument("{}: the model has {} outputs but the data has {} classes", what, out.shape[1], data.num_classes);
  probe.reset();

  QfmEvalResult result;
  result.count = data.count;
  result.predictions.assign(data.count, -1);
  std::vector<int64_t> order(data.count);
  std::iota(order.begin(), order.end(), 0);
  const int64_t num_batches = (data.count + batch - 1) / batch;
  std::vector<Status> errors(threads);
  auto work = [&](int t) -> Status {
    BatchInterpreters interpreters(model, batch);
    for (int64_t b = t; b < num_batches; b += threads) {
      const int64_t first = b * batch, n = std::min<int64_t>(batch, data.count - first);
      QF_ASSIGN_OR_RETURN(Interpreter* const it, interpreters.For(n));
      QF_RETURN_IF_ERROR(FillInput(data, meta.preprocess, order.data() + first, n, it));
      QF_RETURN_IF_ERROR(it->Invoke());
      for (int64_t i = 0; i < n; ++i) result.predictions[first + i] = ArgMaxRow(it->output(0), static_cast<int>(i));
    }
    return Status::Ok();
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { errors[t] = work(t); });
  for (auto& th : pool) th.join();
  for (const Status& s : errors) QF_RETURN_IF_ERROR(s);
  int64_t correct = 0;
  for (int64_t i = 0; i < data.count; ++i) correct += result.predictions[i] == data.labels[i];
  result.accuracy = static_cast<double>(correct) / static_cast<double>(data.count);
  return result;
}

Status TensorAsFloat(const runtime::RuntimeTensor& t, std::vector<float>* out) {
  out->resize(static_cast<size_t>(t.elements));
  if (t.dtype == qfm::DType::FLOAT32) {
    std::copy_n(t.as<float>(), t.elements, out->data());
    return Status::Ok();
  }
  if (t.dtype == qfm::DType::FLOAT16) {
    for (int64_t i = 0; i < t.elements; ++i) (*out)[i] = runtime::HalfToFloat(t.as<uint16_t>()[i]);
    return Status::Ok();
  }
  if ((t.dtype != qfm::DType::INT8 && t.dtype != qfm::DType::INT16) || !t.quantized())
    return InvalidArgument("tensor '{}' ({}) has no float values (an integer tensor needs quantization parameters)",
                           t.name, qfm::EnumNameDType(t.dtype));
  int64_t inner = 1;
  if (!t.per_tensor())
    for (size_t d = static_cast<size_t>(t.quantized_dimension) + 1; d < t.shape.size(); ++d) inner *= t.shape[d];
  const int64_t slices = t.per_tensor() ? 1 : t.shape[t.quantized_dimension];
  for (int64_t i = 0; i < t.elements; ++i) {
    const int64_t c = t.per_tensor() ? 0 : (i / inner) % slices;
    const int64_t zp = t.zero_point[t.zero_point.size() == 1 ? 0 : c];
    const int32_t q = t.dtype == qfm::DType::INT16 ? t.as<int16_t>()[i] : t.as<int8_t>()[i];
    (*out)[i] = static_cast<float>(q - zp) * t.scale[c];
  }
  return Status::Ok();
}

StatusOr<double> QfmAccuracy(const std::vector<uint8_t>& bytes, const ImageDataset& data, int threads) {
  QF_ASSIGN_OR_RETURN(std::shared_ptr<const runtime::Model> model,
                      runtime::Model::FromBytes(bytes.data(), bytes.size(), "model"));
  QF_ASSIGN_OR_RETURN(const QfmEvalResult r, EvaluateQfm(model, "model", data, 64, threads));
  return r.accuracy;
}

}  // namespace qforge::convert
