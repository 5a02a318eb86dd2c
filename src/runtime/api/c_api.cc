// The C API (qforge/c_api.h) over the C++ facade: opaque handles own facade objects; every
// entry point validates its arguments, keeps every exception (out of memory included) from
// crossing into C, and records "function: message" of a failure for qf_last_error on the
// calling thread.
#include "qforge/c_api.h"

#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

#include "qforge/runtime.h"

static_assert(static_cast<int>(qforge::StatusCode::kInvalidArgument) == QF_INVALID_ARGUMENT &&
                  static_cast<int>(qforge::StatusCode::kDataLoss) == QF_DATA_LOSS &&
                  static_cast<int>(qforge::StatusCode::kInternal) == QF_INTERNAL,
              "QfStatus mirrors qforge::StatusCode");

struct QfModel {
  qforge::Model model;
};

struct QfInterpreter {
  qforge::Interpreter interpreter;
};

namespace {

thread_local std::string last_error;
thread_local bool out_of_memory = false;  // when even the message could not be stored

QfStatus Fail(QfStatus status, const char* function, const std::string& message) noexcept {
  try {
    last_error = std::string(function) + ": " + message;
    out_of_memory = false;
  } catch (...) {
    out_of_memory = true;
  }
  return status;
}

QfStatus Report(const char* function, const qforge::Status& status) noexcept {
  if (status.ok()) return QF_OK;
  return Fail(static_cast<QfStatus>(status.code()), function, status.message());
}

// Runs `body` (returning QfStatus): no exception crosses into C, allocation failures included.
template <typename Body>
QfStatus Guarded(const char* function, Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    out_of_memory = true;
    return QF_INTERNAL;
  } catch (const std::exception& e) {
    return Fail(QF_INTERNAL, function, e.what());
  } catch (...) {
    return Fail(QF_INTERNAL, function, "unknown exception");
  }
}

QfStatus NullArgument(const char* function, const char* argument) noexcept {
  return Fail(QF_INVALID_ARGUMENT, function, std::string(argument) + " is NULL");
}

QfStatus Info(const QfInterpreter* handle, int index, QfTensorInfo* info, bool input, const char* function) {
  if (handle == nullptr) return NullArgument(function, "interpreter");
  if (info == nullptr) return NullArgument(function, "info");
  const qforge::Interpreter& interpreter = handle->interpreter;
  const int count = input ? interpreter.num_inputs() : interpreter.num_outputs();
  if (index < 0 || index >= count)
    return Fail(QF_INVALID_ARGUMENT, function,
                "index " + std::to_string(index) + " is not in 0.." + std::to_string(count - 1));
  const qforge::TensorInfo& t = input ? interpreter.input(index) : interpreter.output(index);
  info->name = t.name.c_str();
  info->dtype = static_cast<QfDType>(t.dtype);
  info->rank = static_cast<int>(t.shape.size());
  info->shape = t.shape.data();
  info->elements = t.elements;
  info->bytes = t.bytes;
  info->num_scales = static_cast<int>(t.scale.size());
  info->scale = t.scale.empty() ? nullptr : t.scale.data();
  info->zero_point = t.zero_point.empty() ? nullptr : t.zero_point.data();
  return QF_OK;
}

QfStatus Index(const QfInterpreter* handle, const char* name, int* index, bool input, const char* function) {
  if (handle == nullptr) return NullArgument(function, "interpreter");
  if (name == nullptr) return NullArgument(function, "name");
  if (index == nullptr) return NullArgument(function, "index");
  auto found = input ? handle->interpreter.InputIndex(name) : handle->interpreter.OutputIndex(name);
  if (!found.ok()) return Report(function, found.status());
  *index = *found;
  return QF_OK;
}

// A C caller may pass any int as an enum; in C++ a value outside the enumerators' range may not
// be read as the enum (UBSan: "not a valid value for type 'QfStatus'"), so its bits are read.
template <typename Enum>
std::underlying_type_t<Enum> EnumBits(const Enum& value) {
  std::underlying_type_t<Enum> bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

}  // namespace

extern "C" {

const char* qf_version(void) { return QFORGE_VERSION; }

const char* qf_status_string(QfStatus status) {
  const auto code = EnumBits(status);
  if (code < QF_OK || code > QF_INTERNAL) return "unknown status";
  return qforge::StatusCodeName(static_cast<qforge::StatusCode>(code));
}

const char* qf_dtype_name(QfDType dtype) {
  const auto code = EnumBits(dtype);
  if (code < QF_FLOAT32 || code > QF_FLOAT16) return "unknown";
  return qforge::DTypeName(static_cast<qforge::DType>(code));
}

const char* qf_last_error(void) { return out_of_memory ? "out of memory" : last_error.c_str(); }

QfStatus qf_model_load(const char* path, QfModel** model) {
  static constexpr const char* kFunction = "qf_model_load";
  return Guarded(kFunction, [&] {
    if (model == nullptr) return NullArgument(kFunction, "model");
    *model = nullptr;
    if (path == nullptr) return NullArgument(kFunction, "path");
    auto loaded = qforge::Model::Load(path);
    if (!loaded.ok()) return Report(kFunction, loaded.status());
    *model = new QfModel{std::move(*loaded)};
    return QF_OK;
  });
}

QfStatus qf_model_from_bytes(const void* data, size_t size, QfModel** model) {
  static constexpr const char* kFunction = "qf_model_from_bytes";
  return Guarded(kFunction, [&] {
    if (model == nullptr) return NullArgument(kFunction, "model");
    *model = nullptr;
    if (data == nullptr) return NullArgument(kFunction, "data");
    auto loaded = qforge::Model::FromBytes(data, size);
    if (!loaded.ok()) return Report(kFunction, loaded.status());
    *model = new QfModel{std::move(*loaded)};
    return QF_OK;
  });
}

void qf_model_free(QfModel* model) { delete model; }

void qf_interpreter_options_init(QfInterpreterOptions* options) {
  if (options == nullptr) return;
  options->batch_size = 1;
  options->threads = 1;
  options->max_isa = nullptr;
}

QfStatus qf_interpreter_create(const QfModel* model, const QfInterpreterOptions* options,
                               QfInterpreter** interpreter) {
  static constexpr const char* kFunction = "qf_interpreter_create";
  return Guarded(kFunction, [&] {
    if (interpreter == nullptr) return NullArgument(kFunction, "interpreter");
    *interpreter = nullptr;
    if (model == nullptr) return NullArgument(kFunction, "model");
    qforge::InterpreterOptions o;
    if (options != nullptr) {
      o.batch_size = options->batch_size;
      o.threads = options->threads;
      if (options->max_isa != nullptr) o.max_isa = options->max_isa;
    }
    auto created = qforge::Interpreter::Create(model->model, o);
    if (!created.ok()) return Report(kFunction, created.status());
    *interpreter = new QfInterpreter{std::move(*created)};
    return QF_OK;
  });
}

void qf_interpreter_free(QfInterpreter* interpreter) { delete interpreter; }

int qf_interpreter_input_count(const QfInterpreter* interpreter) {
  return interpreter == nullptr ? -1 : interpreter->interpreter.num_inputs();
}

int qf_interpreter_output_count(const QfInterpreter* interpreter) {
  return interpreter == nullptr ? -1 : interpreter->interpreter.num_outputs();
}

QfStatus qf_interpreter_input_info(const QfInterpreter* interpreter, int index, QfTensorInfo* info) {
  static constexpr const char* kFunction = "qf_interpreter_input_info";
  return Guarded(kFunction, [&] { return Info(interpreter, index, info, /*input=*/true, kFunction); });
}

QfStatus qf_interpreter_output_info(const QfInterpreter* interpreter, int index, QfTensorInfo* info) {
  static constexpr const char* kFunction = "qf_interpreter_output_info";
  return Guarded(kFunction, [&] { return Info(interpreter, index, info, /*input=*/false, kFunction); });
}

QfStatus qf_interpreter_input_index(const QfInterpreter* interpreter, const char* name, int* index) {
  static constexpr const char* kFunction = "qf_interpreter_input_index";
  return Guarded(kFunction, [&] { return Index(interpreter, name, index, /*input=*/true, kFunction); });
}

QfStatus qf_interpreter_output_index(const QfInterpreter* interpreter, const char* name, int* index) {
  static constexpr const char* kFunction = "qf_interpreter_output_index";
  return Guarded(kFunction, [&] { return Index(interpreter, name, index, /*input=*/false, kFunction); });
}

QfStatus qf_interpreter_set_input(QfInterpreter* interpreter, int index, const void* data, size_t bytes) {
  static constexpr const char* kFunction = "qf_interpreter_set_input";
  return Guarded(kFunction, [&] {
    if (interpreter == nullptr) return NullArgument(kFunction, "interpreter");
    if (data == nullptr) return NullArgument(kFunction, "data");
    return Report(kFunction, interpreter->interpreter.SetInput(index, data, bytes));
  });
}

QfStatus qf_interpreter_invoke(QfInterpreter* interpreter) {
  static constexpr const char* kFunction = "qf_interpreter_invoke";
  return Guarded(kFunction, [&] {
    if (interpreter == nullptr) return NullArgument(kFunction, "interpreter");
    return Report(kFunction, interpreter->interpreter.Invoke());
  });
}

QfStatus qf_interpreter_get_output(const QfInterpreter* interpreter, int index, void* data, size_t bytes) {
  static constexpr const char* kFunction = "qf_interpreter_get_output";
  return Guarded(kFunction, [&] {
    if (interpreter == nullptr) return NullArgument(kFunction, "interpreter");
    if (data == nullptr) return NullArgument(kFunction, "data");
    return Report(kFunction, interpreter->interpreter.GetOutput(index, data, bytes));
  });
}

}  // extern "C"
