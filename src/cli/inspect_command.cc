// `qforge inspect FILE.qfm`: what a runtime model holds — operators, tensors with types,
// shapes, scales and zero points, bytes by part (coded weights' codebooks, indices and sparse
// indices included) and the ratio to float32, and the memory arena the interpreter plans.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "convert/model_bytes.h"
#include "runtime/interpreter.h"

namespace qforge::cli {
namespace {

struct InspectFlags {
  std::string model;
  int64_t batch = kDefaultBatch;
  bool json = false;
};

using runtime::RuntimeTensor;

std::string ParamsText(const RuntimeTensor& t) {
  if (!t.quantized()) return "";
  if (t.per_tensor()) return fmt::format("scale {:.6g} zp {}", t.scale[0], t.zero_point[0]);
  const auto [lo, hi] = std::minmax_element(t.scale.begin(), t.scale.end());
  return fmt::format("{} scales {:.3g}..{:.3g} (axis {})", t.scale.size(), *lo, *hi, t.quantized_dimension);
}

Status RunInspect(const InspectFlags& f) {
  QF_ASSIGN_OR_RETURN(std::shared_ptr<const runtime::Model> model, runtime::Model::Load(f.model));
  QF_ASSIGN_OR_RETURN(std::unique_ptr<runtime::Interpreter> it, runtime::Interpreter::Create(model, {static_cast<int>(f.batch)}));
  const qfm::Model& m = model->flat();
  const auto& tensors = it->tensors();
  nlohmann::json ops = nlohmann::json::array(), ts = nlohmann::json::array();
  for (const qfm::Operator* op : *m.operators())
    ops.push_back({{"type", qfm::EnumNameOpType(op->type())},
                   {"inputs", std::vector<int>(op->inputs()->begin(), op->inputs()->end())},
                   {"outputs", std::vector<int>(op->outputs()->begin(), op->outputs()->end())}});
  for (const RuntimeTensor& t : tensors)
    ts.push_back({{"name", t.name}, {"dtype", qfm::EnumNameDType(t.dtype)}, {"shape", t.shape},
                  {"constant", t.constant}, {"bytes", t.bytes}, {"scale", t.scale}, {"zero_point", t.zero_point}});
  const runtime::ArenaStats& a = it->arena_stats();
  const nlohmann::json arena{{"batch", f.batch}, {"peak_bytes", a.peak_bytes},
                             {"lower_bound_bytes", a.lower_bound_bytes}, {"no_reuse_bytes", a.naive_bytes}};
  const convert::ModelBytes parts = convert::MeasureModelBytes(*model);
  const runtime::DecodeStats& decode = model->decode_stats();
  const std::string metadata = m.metadata() ? m.metadata()->str() : "";
  if (f.json) {
    fmt::print("{}\n", nlohmann::json{{"model", f.model}, {"model_bytes", model->size_bytes()},
                                      {"version", m.version()}, {"producer", m.producer() ? m.producer()->str() : ""},
                                      {"metadata", nlohmann::json::parse(metadata, nullptr, false)},
                                      {"inputs", std::vector<int>(m.inputs()->begin(), m.inputs()->end())},
                                      {"outputs", std::vector<int>(m.outputs()->begin(), m.outputs()->end())},
                                      {"operators", ops}, {"tensors", ts}, {"bytes_by_part", convert::ToJson(parts)},
                                      {"decode", {{"coded_buffers", decode.coded_buffers},
                                                  {"decoded_bytes", decode.decoded_bytes},
                                                  {"seconds", decode.seconds}}},
                                      {"arena", arena}}
                           .dump());
    return Status::Ok();
  }
  fmt::print("{}: {} bytes, .qfm version {}, producer '{}'\nmetadata: {}\n\noperators:\n", f.model,
             model->size_bytes(), m.version(), m.producer() ? m.producer()->str() : "", metadata);
  auto names = [&](const flatbuffers::Vector<int32_t>* v) {
    std::string s;
    for (int i : *v) s += (s.empty() ? "" : ", ") + (i < 0 ? std::string("-") : tensors[i].name);
    return s;
  };
  for (uint32_t k = 0; k < m.operators()->size(); ++k) {
    const qfm::Operator* op = m.operators()->Get(k);
    fmt::print("  {:3} {:<18} ({}) -> ({})\n", k, qfm::EnumNameOpType(op->type()), names(op->inputs()), names(op->outputs()));
  }
  fmt::print("\ntensors (batch {}):\n", f.batch);
  for (size_t i = 0; i < tensors.size(); ++i) {
    const RuntimeTensor& t = tensors[i];
    fmt::print("  {:3} {:<28} {:<8} {:<18} {:>9} B {}{}\n", i, t.name, qfm::EnumNameDType(t.dtype),
               runtime::ShapeString(t.shape), t.bytes, t.constant ? "const " : "", ParamsText(t));
  }
  fmt::print("\nbytes by part: {} (total {})\n", convert::PartsText(parts), parts.total);
  fmt::print("{} parameters: {:.2f}x smaller than in float32 ({} bytes)\n", parts.parameters, parts.compression_ratio(),
             parts.float32_bytes());
  if (decode.coded_buffers > 0)
    fmt::print("{} coded buffers decoded at load into {} bytes in {:.3f} ms\n", decode.coded_buffers,
               decode.decoded_bytes, decode.seconds * 1e3);
  fmt::print("arena at batch {}: peak {} bytes (liveness lower bound {}, {} without reuse)\n", f.batch, a.peak_bytes,
             a.lower_bound_bytes, a.naive_bytes);
  return Status::Ok();
}

}  // namespace

Command AddInspectCommand(CLI::App& app) {
  auto f = std::make_shared<InspectFlags>();
  auto* cmd = app.add_subcommand("inspect", "show a .qfm model's operators, tensors, sizes and memory plan");
  cmd->add_option("model", f->model, "runtime model (.qfm)")->required();
  AddBatchFlag(*cmd, &f->batch, "batch size of the memory plan (default 64)");
  AddJsonFlag(*cmd, &f->json);
  SetExamples(*cmd, {"qforge inspect int8.qfm", "qforge inspect int8.qfm --batch 1 --json"});
  return {nullptr, [f] { return RunInspect(*f); }};
}

}  // namespace qforge::cli
