// The C API (qforge/c_api.h) over the C++ facade: opaque handles own facade objects; every
// entry point validates its arguments, keeps exceptions from crossing into C, and records the
// message of a failure for qf_last_error on the calling thread.
#include "qforge/c_api.h"

#include <exception>
#include <new>
#include <string>
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

QfStatus Fail(QfStatus status, std::string message) {
  last_error = std::move(message);
  return status;
}

QfStatus Report(const qforge::Status& status) {
  if (status.ok()) return QF_OK;
  return Fail(static_cast<QfStatus>(status.code()), status.message());
}

// Runs `body` (returning QfStatus), turning an escaping exception into QF_INTERNAL.
template <typename Body>
QfStatus Guarded(const char* function, Body&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Fail(QF_INTERNAL, std::string(function) + ": out of memory");
  } catch (const std::exception& e) {
    return Fail(QF_INTERNAL, std::string(function) + ": " + e.what());
  }
}

QfStatus NullArgument(const char* function, const char* argument) {
  return Fail(QF_INVALID_ARGUMENT, std::string(function) + ": " + argument + " is NULL");
}

QfStatus Info(const QfInterpreter* handle, int index, QfTensorInfo* info, bool input, const char* function) {
  if (handle == nullptr) return NullArgument(function, "interpreter");
  if (info == nullptr) return NullArgument(function, "info");
  const qforge::Interpreter& interpreter = handle->interpreter;
  const int count = input ? interpreter.num_inputs() : interpreter.num_outputs();
  if (index < 0 || index >= count)
    return Fail(QF_INVALID_ARGUMENT, std::string(function) + ": index " + std::to_string(index) + " is not in 0.." +
                                         std::to_string(count - 1));
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
  return Guarded(function, [&] {
    auto found = input ? handle->interpreter.InputIndex(name) : handle->interpreter.OutputIndex(name);
    if (!found.ok()) return Report(found.status());
    *index = *found;
    return QF_OK;
  });
}

}  // namespace

extern "C" {

const char* qf_version(void) { return QFORGE_VERSION; }

const char* qf_status_string(QfStatus status) {
  if (status < QF_OK || status > QF_INTERNAL) return "unknown status";
  return qforge::StatusCodeName(static_cast<qforge::StatusCode>(status));
}

const char* qf_dtype_name(QfDType dtype) {
  if (dtype < QF_FLOAT32 || dtype > QF_FLOAT16) return "unknown";
  return qforge::DTypeName(static_cast<qforge::DType>(dtype));
}

const char* qf_last_error(void) { return last_error.c_str(); }

QfStatus qf_model_load(const char* path, QfModel** model) {
  if (model == nullptr) return NullArgument("qf_model_load", "model");
  *model = nullptr;
  if (path == nullptr) return NullArgument("qf_model_load", "path");
  return Guarded("qf_model_load", [&] {
    auto loaded = qforge::Model::Load(path);
    if (!loaded.ok()) return Report(loaded.status());
    *model = new QfModel{std::move(*loaded)};
    return QF_OK;
  });
}

QfStatus qf_model_from_bytes(const void* data, size_t size, QfModel** model) {
  if (model == nullptr) return NullArgument("qf_model_from_bytes", "model");
  *model = nullptr;
  if (data == nullptr) return NullArgument("qf_model_from_bytes", "data");
  return Guarded("qf_model_from_bytes", [&] {
    auto loaded = qforge::Model::FromBytes(data, size);
    if (!loaded.ok()) return Report(loaded.status());
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
  if (interpreter == nullptr) return NullArgument("qf_interpreter_create", "interpreter");
  *interpreter = nullptr;
  if (model == nullptr) return NullArgument("qf_interpreter_create", "model");
  return Guarded("qf_interpreter_create", [&] {
    qforge::InterpreterOptions o;
    if (options != nullptr) {
      o.batch_size = options->batch_size;
      o.threads = options->threads;
      if (options->max_isa != nullptr) o.max_isa = options->max_isa;
    }
    auto created = qforge::Interpreter::Create(model->model, o);
    if (!created.ok()) return Report(created.status());
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
  return Info(interpreter, index, info, /*input=*/true, "qf_interpreter_input_info");
}

QfStatus qf_interpreter_output_info(const QfInterpreter* interpreter, int index, QfTensorInfo* info) {
  return Info(interpreter, index, info, /*input=*/false, "qf_interpreter_output_info");
}

QfStatus qf_interpreter_input_index(const QfInterpreter* interpreter, const char* name, int* index) {
  return Index(interpreter, name, index, /*input=*/true, "qf_interpreter_input_index");
}

QfStatus qf_interpreter_output_index(const QfInterpreter* interpreter, const char* name, int* index) {
  return Index(interpreter, name, index, /*input=*/false, "qf_interpreter_output_index");
}

QfStatus qf_interpreter_set_input(QfInterpreter* interpreter, int index, const void* data, size_t bytes) {
  if (interpreter == nullptr) return NullArgument("qf_interpreter_set_input", "interpreter");
  if (data == nullptr) return NullArgument("qf_interpreter_set_input", "data");
  return Guarded("qf_interpreter_set_input", [&] { return Report(interpreter->interpreter.SetInput(index, data, bytes)); });
}

QfStatus qf_interpreter_invoke(QfInterpreter* interpreter) {
  if (interpreter == nullptr) return NullArgument("qf_interpreter_invoke", "interpreter");
  return Guarded("qf_interpreter_invoke", [&] { return Report(interpreter->interpreter.Invoke()); });
}

QfStatus qf_interpreter_get_output(const QfInterpreter* interpreter, int index, void* data, size_t bytes) {
  if (interpreter == nullptr) return NullArgument("qf_interpreter_get_output", "interpreter");
  if (data == nullptr) return NullArgument("qf_interpreter_get_output", "data");
  return Guarded("qf_interpreter_get_output",
                 [&] { return Report(interpreter->interpreter.GetOutput(index, data, bytes)); });
}

}  // extern "C"
