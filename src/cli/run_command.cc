// `qforge run FILE.qfm --input in.npy --output out.npy`: runs a runtime model on a batch from
// an NPY file. The array is [N, ...the model input's shape without its batch dimension...]
// (NHWC for images); values for an integer (--int8-io) input must be integers in its range.
// The output is written as float32 (integer outputs keep their integer values).
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "data/npy.h"
#include "runtime/interpreter.h"

namespace qforge::cli {
namespace {

struct RunFlags {
  std::string model, input, output;
  bool json = false;
};

using runtime::RuntimeTensor;

template <typename T>
Status ToInteger(const Tensor& x, const RuntimeTensor& in) {
  for (int64_t i = 0; i < x.size(); ++i) {
    const float v = x.data()[i];
    if (v != std::floor(v) || v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max())
      return InvalidArgument("input element {} is {}, not a {} value the model's integer input takes", i, v,
                             qfm::EnumNameDType(in.dtype));
    in.as<T>()[i] = static_cast<T>(v);
  }
  return Status::Ok();
}

Status RunRun(const RunFlags& f) {
  QF_ASSIGN_OR_RETURN(std::shared_ptr<const runtime::Model> model, runtime::Model::Load(f.model));
  QF_ASSIGN_OR_RETURN(Tensor x, ReadNpy(f.input));
  if (model->flat().inputs()->size() != 1) return InvalidArgument("{}: run supports models with one input", f.model);
  // The model's per-sample input shape, from a batch-1 interpreter.
  QF_ASSIGN_OR_RETURN(std::unique_ptr<runtime::Interpreter> probe, runtime::Interpreter::Create(model, {1}));
  const std::vector<int> sample(probe->input(0).shape.begin() + 1, probe->input(0).shape.end());
  const Shape& s = x.shape();
  bool fits = s.size() == sample.size() + 1 && s[0] >= 1 && s[0] <= (1 << 20);
  for (size_t d = 0; fits && d < sample.size(); ++d) fits = s[d + 1] == sample[d];
  if (!fits) {
    std::string want = "[N";
    for (int d : sample) want += ", " + std::to_string(d);
    return InvalidArgument("{}: array shape {} does not match the model input {}]", f.input, ShapeToString(s), want);
  }
  QF_ASSIGN_OR_RETURN(std::unique_ptr<runtime::Interpreter> it,
                      runtime::Interpreter::Create(model, {static_cast<int>(s[0])}));
  const RuntimeTensor& in = it->input(0);
  switch (in.dtype) {
    case qfm::DType::FLOAT32: QF_RETURN_IF_ERROR(it->SetInput(0, x.data(), in.bytes)); break;
    case qfm::DType::INT8: QF_RETURN_IF_ERROR(ToInteger<int8_t>(x, in)); break;
    case qfm::DType::INT16: QF_RETURN_IF_ERROR(ToInteger<int16_t>(x, in)); break;
    default: return InvalidArgument("{}: input type {} is not supported by run", f.model, qfm::EnumNameDType(in.dtype));
  }
  QF_RETURN_IF_ERROR(it->Invoke());
  nlohmann::json outputs = nlohmann::json::array();
  const RuntimeTensor& out = it->output(0);
  Shape out_shape(out.shape.begin(), out.shape.end());
  Tensor y(out_shape);
  for (int64_t i = 0; i < out.elements; ++i) {
    switch (out.dtype) {
      case qfm::DType::INT8: y.data()[i] = out.as<int8_t>()[i]; break;
      case qfm::DType::INT16: y.data()[i] = out.as<int16_t>()[i]; break;
      default: y.data()[i] = out.as<float>()[i];
    }
  }
  QF_RETURN_IF_ERROR(WriteNpy(f.output, y));
  if (f.json) {
    fmt::print("{}\n", nlohmann::json{{"model", f.model}, {"batch", s[0]}, {"output", f.output},
                                      {"output_shape", out.shape}, {"output_dtype", qfm::EnumNameDType(out.dtype)},
                                      {"model_bytes", model->size_bytes()}}
                           .dump());
  } else {
    fmt::print("{}: ran {} samples, wrote {} {} to {}\n", f.model, s[0], ShapeToString(out_shape),
               qfm::EnumNameDType(out.dtype), f.output);
  }
  return Status::Ok();
}

}  // namespace

Command AddRunCommand(CLI::App& app) {
  auto f = std::make_shared<RunFlags>();
  auto* cmd = app.add_subcommand("run", "run a .qfm model on an NPY batch");
  cmd->add_option("model", f->model, "runtime model (.qfm)")->required();
  cmd->add_option("--input", f->input, "input array (.npy), [N, ...model input shape]")->required();
  cmd->add_option("--output", f->output, "output array (.npy, float32)")->required();
  cmd->add_flag("--json", f->json, "print one JSON object on stdout");
  return [f]() { return RunRun(*f); };
}

}  // namespace qforge::cli
