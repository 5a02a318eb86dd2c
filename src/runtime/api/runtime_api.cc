// The public C++ facade (qforge/runtime.h) over the runtime's Model and Interpreter: translates
// the file format's types into qforge's own and keeps the internals out of users' headers.
#include "qforge/runtime.h"

#include <cstring>

#include "runtime/interpreter.h"
#include "runtime/model/model.h"

namespace qforge {
namespace {

static_assert(static_cast<int>(DType::kFloat32) == static_cast<int>(qfm::DType::FLOAT32) &&
                  static_cast<int>(DType::kInt8) == static_cast<int>(qfm::DType::INT8) &&
                  static_cast<int>(DType::kInt16) == static_cast<int>(qfm::DType::INT16) &&
                  static_cast<int>(DType::kInt32) == static_cast<int>(qfm::DType::INT32) &&
                  static_cast<int>(DType::kInt64) == static_cast<int>(qfm::DType::INT64) &&
                  static_cast<int>(DType::kFloat16) == static_cast<int>(qfm::DType::FLOAT16),
              "qforge::DType mirrors the .qfm format's DType");

TensorInfo ToInfo(const runtime::RuntimeTensor& t) {
  TensorInfo info;
  info.name = t.name;
  info.dtype = static_cast<DType>(t.dtype);
  info.shape = t.shape;
  info.elements = t.elements;
  info.bytes = t.bytes;
  info.scale = t.scale;
  info.zero_point = t.zero_point;
  info.bits = t.bits;
  return info;
}

StatusOr<int> FindByName(const std::vector<TensorInfo>& tensors, const std::string& name, const char* kind) {
  std::string names;
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].name == name) return static_cast<int>(i);
    names += (i ? ", '" : "'") + tensors[i].name + "'";
  }
  return Status(StatusCode::kNotFound, std::string("the model has no ") + kind + " '" + name + "' (it has " + names + ")");
}

}  // namespace

const char* DTypeName(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return "float32";
    case DType::kInt8: return "int8";
    case DType::kInt16: return "int16";
    case DType::kInt32: return "int32";
    case DType::kInt64: return "int64";
    case DType::kFloat16: return "float16";
  }
  return "unknown";
}

int DTypeSize(DType dtype) { return runtime::DTypeSize(static_cast<qfm::DType>(dtype)); }

Model::Model(std::shared_ptr<const runtime::Model> impl) : impl_(std::move(impl)) {}

StatusOr<Model> Model::Load(const std::string& path) {
  QF_ASSIGN_OR_RETURN(std::shared_ptr<const runtime::Model> impl, runtime::Model::Load(path));
  return Model(std::move(impl));
}

StatusOr<Model> Model::FromBytes(const void* data, size_t size, const std::string& what) {
  if (data == nullptr && size > 0) return Status(StatusCode::kInvalidArgument, what + ": no data");
  QF_ASSIGN_OR_RETURN(std::shared_ptr<const runtime::Model> impl,
                      runtime::Model::FromBytes(static_cast<const uint8_t*>(data), size, what));
  return Model(std::move(impl));
}

size_t Model::size_bytes() const { return impl_->size_bytes(); }
uint32_t Model::format_version() const { return impl_->flat().version(); }
std::string Model::producer() const {
  return impl_->flat().producer() ? impl_->flat().producer()->str() : std::string();
}
std::string Model::metadata() const {
  return impl_->flat().metadata() ? impl_->flat().metadata()->str() : std::string();
}

Interpreter::Interpreter(std::unique_ptr<runtime::Interpreter> impl) : impl_(std::move(impl)) {
  for (int i = 0; i < impl_->num_inputs(); ++i) inputs_.push_back(ToInfo(impl_->input(i)));
  for (int i = 0; i < impl_->num_outputs(); ++i) outputs_.push_back(ToInfo(impl_->output(i)));
}
Interpreter::Interpreter(Interpreter&&) noexcept = default;
Interpreter& Interpreter::operator=(Interpreter&&) noexcept = default;
Interpreter::~Interpreter() = default;

StatusOr<Interpreter> Interpreter::Create(const Model& model, const InterpreterOptions& options) {
  runtime::InterpreterOptions internal;
  internal.batch_size = options.batch_size;
  internal.threads = options.threads;
  if (!options.max_isa.empty()) {
    QF_ASSIGN_OR_RETURN(internal.max_isa, runtime::ParseIsa(options.max_isa));
  }
  QF_ASSIGN_OR_RETURN(std::unique_ptr<runtime::Interpreter> impl, runtime::Interpreter::Create(model.impl_, internal));
  return Interpreter(std::move(impl));
}

StatusOr<int> Interpreter::InputIndex(const std::string& name) const { return FindByName(inputs_, name, "input"); }
StatusOr<int> Interpreter::OutputIndex(const std::string& name) const { return FindByName(outputs_, name, "output"); }

Status Interpreter::SetInput(int i, const void* data, size_t bytes) {
  if (data == nullptr) return Status(StatusCode::kInvalidArgument, "SetInput: no data");
  return impl_->SetInput(i, data, static_cast<int64_t>(bytes));
}

Status Interpreter::Invoke() { return impl_->Invoke(); }

Status Interpreter::GetOutput(int i, void* data, size_t bytes) const {
  if (data == nullptr) return Status(StatusCode::kInvalidArgument, "GetOutput: no destination");
  return impl_->GetOutput(i, data, static_cast<int64_t>(bytes));
}

StatusOr<void*> Interpreter::TypedData(bool is_input, int i, DType dtype) const {
  const std::vector<TensorInfo>& list = is_input ? inputs_ : outputs_;
  const char* kind = is_input ? "input" : "output";
  if (i < 0 || i >= static_cast<int>(list.size()))
    return Status(StatusCode::kInvalidArgument, std::string(kind) + " " + std::to_string(i) + " does not exist");
  if (list[i].dtype != dtype)
    return Status(StatusCode::kInvalidArgument, std::string(kind) + " '" + list[i].name + "' is " +
                                                    DTypeName(list[i].dtype) + ", not " + DTypeName(dtype));
  const runtime::RuntimeTensor& t = is_input ? impl_->input(i) : impl_->output(i);
  return static_cast<void*>(t.data);
}

std::string Interpreter::isa() const { return runtime::IsaName(impl_->isa()); }
std::vector<std::string> Interpreter::kernel_names() const { return impl_->kernel_names(); }
int64_t Interpreter::arena_bytes() const { return impl_->arena_stats().peak_bytes; }

}  // namespace qforge
