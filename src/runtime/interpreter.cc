// Interpreter: preparation (tensors, arena plan, operator kernels) and execution.
#include "runtime/interpreter.h"

#include <algorithm>
#include <new>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "runtime/arena_planner.h"

namespace qforge::runtime {
namespace {

constexpr int64_t kArenaAlignment = 64;
constexpr int64_t kMaxTensorElements = (int64_t{1} << 31) - 1;

Status Invalid(const std::string& message) { return Status(StatusCode::kInvalidArgument, message); }

std::string TensorName(const qfm::Tensor& t, int index) {
  return t.name() ? t.name()->str() : "#" + std::to_string(index);
}

}  // namespace

std::string ShapeString(const std::vector<int>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

StatusOr<std::unique_ptr<Interpreter>> Interpreter::Create(std::shared_ptr<const Model> model,
                                                           const InterpreterOptions& options) {
  if (!model) return Invalid("Interpreter::Create: no model");
  if (options.batch_size < 1) return Invalid("batch size must be at least 1");
  if (options.threads < 1 || options.threads > 256) return Invalid("threads must be in 1..256");
  if (options.min_task_work < 0) return Invalid("min_task_work must not be negative");
  std::unique_ptr<Interpreter> interpreter(new Interpreter());
  interpreter->model_ = std::move(model);
  interpreter->batch_size_ = options.batch_size;
  QF_ASSIGN_OR_RETURN(const Isa process_isa, ProcessIsa());
  interpreter->isa_ = std::min(process_isa, options.max_isa);
  if (options.threads > 1) {
    interpreter->pool_ = std::make_unique<ThreadPool>(options.threads);
    if (options.min_task_work > 0) interpreter->pool_->set_min_task_work(options.min_task_work);
  }
  interpreter->profile_ = options.profile;
  interpreter->keep_all_tensors_ = options.keep_all_tensors;
  interpreter->sparse_kernels_ = options.sparse_kernels;
  interpreter->max_arena_bytes_ = options.max_arena_bytes;
  QF_RETURN_IF_ERROR(interpreter->BuildTensors());
  QF_RETURN_IF_ERROR(interpreter->PlanMemory());
  QF_RETURN_IF_ERROR(interpreter->PrepareOps());
  return interpreter;
}

Status Interpreter::BuildTensors() {
  const qfm::Model& m = model_->flat();
  tensors_.resize(m.tensors()->size());
  for (uint32_t i = 0; i < m.tensors()->size(); ++i) {
    const qfm::Tensor& ft = *m.tensors()->Get(i);
    RuntimeTensor& t = tensors_[i];
    t.name = TensorName(ft, static_cast<int>(i));
    t.dtype = ft.dtype();
    t.shape.assign(ft.shape()->begin(), ft.shape()->end());
    t.constant = ft.buffer() != 0;
    if (!t.constant) {
      if (t.shape.empty()) return Invalid("tensor '" + t.name + "' is an activation without a batch dimension");
      const int64_t batch = int64_t{t.shape[0]} * batch_size_;
      if (batch > kMaxTensorElements)
        return Invalid("tensor '" + t.name + "' is too large at batch size " + std::to_string(batch_size_));
      t.shape[0] = static_cast<int>(batch);
    }
    t.elements = 1;
    for (int d : t.shape) t.elements = std::min(t.elements * d, kMaxTensorElements + 1);
    if (t.elements > kMaxTensorElements)
      return Invalid("tensor '" + t.name + "' would have " + std::to_string(t.elements) +
                     " elements at batch size " + std::to_string(batch_size_) + " (limit 2^31 - 1)");
    t.bytes = t.elements * DTypeSize(t.dtype);
    if (t.constant) t.data = const_cast<uint8_t*>(model_->buffer_data(ft.buffer()));
    if (const qfm::Quantization* q = ft.quantization()) {
      t.scale.assign(q->scale()->begin(), q->scale()->end());
      t.zero_point.assign(q->zero_point()->begin(), q->zero_point()->end());
      t.zero_point.resize(t.scale.size(), t.zero_point[0]);  // one shared zero point
      t.quantized_dimension = q->quantized_dimension();
      t.bits = q->bits();
    }
    // A constant int8 tensor on an n-bit grid holds only that grid's values (kernels such as the
    // sub-byte GEMM rely on it).
    if (t.constant && t.dtype == qfm::DType::INT8 && t.bits > 0 && t.bits < 8) {
      const int lo = -(1 << (t.bits - 1)), hi = (1 << (t.bits - 1)) - 1;
      const int8_t* v = t.as<int8_t>();
      for (int64_t i = 0; i < t.elements; ++i)
        if (v[i] < lo || v[i] > hi)
          return Invalid("tensor '" + t.name + "' holds " + std::to_string(v[i]) + ", outside its " +
                         std::to_string(t.bits) + "-bit grid [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
  }
  inputs_.assign(m.inputs()->begin(), m.inputs()->end());
  outputs_.assign(m.outputs()->begin(), m.outputs()->end());
  for (int i : inputs_)
    if (tensors_[i].constant) return Invalid("model input '" + tensors_[i].name + "' is a constant");
  return Status::Ok();
}

Status Interpreter::PlanMemory() {
  const qfm::Model& m = model_->flat();
  const int num_ops = static_cast<int>(m.operators()->size());
  const int num_tensors = static_cast<int>(tensors_.size());
  std::vector<int> writer(num_tensors, -2);  // -2: never written; -1: model input
  std::vector<int> last_reader(num_tensors, -1);
  for (int i : inputs_) writer[i] = -1;
  for (int k = 0; k < num_ops; ++k) {
    const qfm::Operator& op = *m.operators()->Get(k);
    const std::string label = "operator " + std::to_string(k) + " (" + qfm::EnumNameOpType(op.type()) + ")";
    for (int i : *op.inputs()) {
      if (i < 0 || tensors_[i].constant) continue;
      if (writer[i] == -2 || writer[i] >= k)
        return Invalid(label + " reads tensor '" + tensors_[i].name + "' before any operator writes it");
      last_reader[i] = k;
    }
    for (int o : *op.outputs()) {
      if (tensors_[o].constant) return Invalid(label + " writes into constant tensor '" + tensors_[o].name + "'");
      if (writer[o] != -2) return Invalid(label + " writes tensor '" + tensors_[o].name + "', which is already written");
      writer[o] = k;
    }
  }
  for (int o : outputs_) {
    if (tensors_[o].constant || writer[o] == -2)
      return Invalid("model output '" + tensors_[o].name + "' is not computed by any operator");
    last_reader[o] = num_ops;  // live until the caller reads it
  }
  std::vector<TensorLifetime> lifetimes;
  std::vector<int> planned;
  for (int t = 0; t < num_tensors; ++t) {
    if (tensors_[t].constant || writer[t] == -2) continue;
    TensorLifetime life;
    life.bytes = tensors_[t].bytes;
    life.first_op = writer[t] < 0 ? 0 : writer[t];
    life.last_op = keep_all_tensors_ ? num_ops : std::max(last_reader[t], life.first_op);
    lifetimes.push_back(life);
    planned.push_back(t);
    arena_stats_.naive_bytes += life.bytes;
  }
  const ArenaPlan plan = PlanArena(lifetimes, kArenaAlignment);
  arena_stats_.peak_bytes = plan.peak_bytes;
  arena_stats_.lower_bound_bytes = LivenessLowerBound(lifetimes, kArenaAlignment);
  if (plan.peak_bytes > max_arena_bytes_)
    return Invalid("the model's activations need a " + std::to_string(plan.peak_bytes) + "-byte arena at batch size " +
                   std::to_string(batch_size_) + ", over the limit of " + std::to_string(max_arena_bytes_) +
                   " bytes (InterpreterOptions::max_arena_bytes)");
  arena_storage_.reset(new (std::nothrow) uint8_t[static_cast<size_t>(plan.peak_bytes + kArenaAlignment)]());
  if (!arena_storage_)
    return Invalid("cannot allocate the model's " + std::to_string(plan.peak_bytes) + "-byte activation arena (out of memory)");
  const auto base = reinterpret_cast<uintptr_t>(arena_storage_.get());
  uint8_t* aligned = arena_storage_.get() + (kArenaAlignment - base % kArenaAlignment) % kArenaAlignment;
  for (size_t k = 0; k < planned.size(); ++k) tensors_[planned[k]].data = aligned + plan.offsets[k];
  return Status::Ok();
}

Status Interpreter::PrepareOps() {
  const qfm::Model& m = model_->flat();
  for (uint32_t k = 0; k < m.operators()->size(); ++k) {
    PrepareContext c;
    c.index = static_cast<int>(k);
    c.op = m.operators()->Get(k);
    for (int i : *c.op->inputs()) c.inputs.push_back(i < 0 ? nullptr : &tensors_[i]);
    for (int o : *c.op->outputs()) c.outputs.push_back(&tensors_[o]);
    c.isa = isa_;
    c.pool = pool_.get();
    c.sparse_kernels = sparse_kernels_;
    QF_ASSIGN_OR_RETURN(std::unique_ptr<OpKernel> kernel, PrepareOp(c));
    if (VerboseKernels()) std::fprintf(stderr, "qforge: %s: %s\n", c.Label().c_str(), kernel->name().c_str());
    kernels_.push_back(std::move(kernel));
  }
  return Status::Ok();
}

std::vector<std::string> Interpreter::kernel_names() const {
  std::vector<std::string> names;
  for (const auto& kernel : kernels_) names.push_back(kernel->name());
  return names;
}

Status Interpreter::SetInput(int i, const void* data, int64_t bytes) {
  if (i < 0 || i >= num_inputs()) return Invalid("input " + std::to_string(i) + " does not exist");
  const RuntimeTensor& t = input(i);
  if (bytes != t.bytes)
    return Invalid("input '" + t.name + "' " + ShapeString(t.shape) + " " + qfm::EnumNameDType(t.dtype) +
                   " takes " + std::to_string(t.bytes) + " bytes, got " + std::to_string(bytes));
  std::memcpy(t.data, data, static_cast<size_t>(bytes));
  return Status::Ok();
}

Status Interpreter::Invoke() {
  if (!profile_) {
    for (const auto& kernel : kernels_) kernel->Run();
    return Status::Ok();
  }
  op_seconds_.resize(kernels_.size(), 0.0);
  for (size_t k = 0; k < kernels_.size(); ++k) {
    const auto start = std::chrono::steady_clock::now();
    kernels_[k]->Run();
    op_seconds_[k] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return Status::Ok();
}

Status Interpreter::InvokeOperator(int k) {
  if (!keep_all_tensors_) return Invalid("running one operator needs an interpreter that keeps all tensors");
  if (k < 0 || k >= static_cast<int>(kernels_.size()))
    return Invalid("operator " + std::to_string(k) + " does not exist (the model has " + std::to_string(kernels_.size()) + ")");
  kernels_[k]->Run();
  return Status::Ok();
}

int Interpreter::FindTensor(const std::string& name) const {
  for (size_t t = 0; t < tensors_.size(); ++t)
    if (tensors_[t].name == name) return static_cast<int>(t);
  return -1;
}

Status Interpreter::GetOutput(int i, void* data, int64_t bytes) const {
  if (i < 0 || i >= num_outputs()) return Invalid("output " + std::to_string(i) + " does not exist");
  const RuntimeTensor& t = output(i);
  if (bytes != t.bytes)
    return Invalid("output '" + t.name + "' has " + std::to_string(t.bytes) + " bytes, asked for " + std::to_string(bytes));
  std::memcpy(data, t.data, static_cast<size_t>(bytes));
  return Status::Ok();
}

}  // namespace qforge::runtime
