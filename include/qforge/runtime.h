// qforge runtime API: load a .qfm model, look at its inputs and outputs, fill an input, invoke,
// read the outputs — with Status errors, never exceptions or crashes on bad files or data. This header
// is the whole public C++ surface of the runtime (C++17, standard library only): qforge's own
// DType, read-only tensor descriptions, typed views into the interpreter's memory, nothing of
// the file format's generated code, the kernels, their dispatch or the thread pool. Link
// qforge::runtime (libqforge_runtime). A loaded Model may be shared by interpreters on several
// threads, one interpreter per thread. C programs use qforge/c_api.h. See docs/runtime.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "qforge/export.h"
#include "qforge/status.h"
#include "qforge/version.h"

namespace qforge {

namespace runtime {
class Model;
class Interpreter;
}  // namespace runtime

// Element types of model tensors (the values are those of the .qfm format).
enum class DType : int { kFloat32 = 0, kInt8 = 1, kInt16 = 2, kInt32 = 3, kInt64 = 4, kFloat16 = 5 };
QFORGE_API const char* DTypeName(DType dtype);  // "float32", "int8", ...
QFORGE_API int DTypeSize(DType dtype);          // bytes per element

// The C++ type a typed view of each DType uses (float16 is viewed as its raw uint16_t bits).
template <typename T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::kFloat32; };
template <> struct DTypeOf<int8_t> { static constexpr DType value = DType::kInt8; };
template <> struct DTypeOf<int16_t> { static constexpr DType value = DType::kInt16; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::kInt32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::kInt64; };
template <> struct DTypeOf<uint16_t> { static constexpr DType value = DType::kFloat16; };

// A model input or output as the interpreter prepared it (batch size applied).
struct TensorInfo {
  std::string name;
  DType dtype = DType::kFloat32;
  std::vector<int> shape;  // NHWC for images
  int64_t elements = 0;
  int64_t bytes = 0;
  // Quantized tensors: real = (q - zero_point) * scale; empty when not quantized.
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int bits = 0;  // an n-bit grid inside the type (0: the type's full width)
  bool quantized() const { return !scale.empty(); }
};

// A typed window on tensor memory that the interpreter owns: TensorView<float> for an input
// to fill, TensorView<const float> for an output to read. Valid until the interpreter is
// destroyed; its contents change with the next Invoke.
template <typename T>
class TensorView {
 public:
  TensorView(T* data, int64_t size) : data_(data), size_(size) {}
  T* data() const { return data_; }
  int64_t size() const { return size_; }
  T& operator[](int64_t i) const { return data_[i]; }
  T* begin() const { return data_; }
  T* end() const { return data_ + size_; }

 private:
  T* data_;
  int64_t size_;
};

// A verified .qfm model. Cheap to copy (the loaded file is shared).
class QFORGE_API Model {
 public:
  // Maps and verifies the file: a Model that loaded is safe to interpret.
  static StatusOr<Model> Load(const std::string& path);
  // Verifies bytes in memory (copied); `what` names them in error messages.
  static StatusOr<Model> FromBytes(const void* data, size_t size, const std::string& what = "model bytes");

  size_t size_bytes() const;
  uint32_t format_version() const;
  std::string producer() const;  // e.g. "qforge 0.6.0"
  std::string metadata() const;  // JSON: preprocessing, class names, how it was made

 private:
  friend class Interpreter;
  explicit Model(std::shared_ptr<const runtime::Model> impl);
  std::shared_ptr<const runtime::Model> impl_;
};

struct InterpreterOptions {
  int batch_size = 1;   // the models' first dimension is multiplied by this
  int threads = 1;      // threads of the optimized kernels (1: the caller's thread only)
  // Caps the kernels' instruction set: "ref", "avx2", "avx512vnni" or "avx512vbmi" on x86-64, "ref",
  // "neon" or "neondot" on 64-bit Arm; "" = the best this CPU supports (itself capped by the
  // QFORGE_ISA environment variable).
  std::string max_isa;
};

class QFORGE_API Interpreter {
 public:
  // Prepares once: validates every operator, plans one memory arena, packs weights.
  static StatusOr<Interpreter> Create(const Model& model, const InterpreterOptions& options = {});
  Interpreter(Interpreter&&) noexcept;
  Interpreter& operator=(Interpreter&&) noexcept;
  ~Interpreter();

  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  // i in [0, num_inputs()) / [0, num_outputs()) is a precondition (a wrong index is a
  // programming error: std::out_of_range); every call below takes any index and returns an error.
  const TensorInfo& input(int i) const { return inputs_.at(i); }
  const TensorInfo& output(int i) const { return outputs_.at(i); }
  // The index of the input or output of that name, or an error listing the names.
  StatusOr<int> InputIndex(const std::string& name) const;
  StatusOr<int> OutputIndex(const std::string& name) const;

  // Copies exactly the input's bytes in; any other size is an error.
  Status SetInput(int i, const void* data, size_t bytes);
  // Or fills input i in place: fails unless T is the input's type.
  template <typename T>
  StatusOr<TensorView<T>> InputData(int i) {
    QF_ASSIGN_OR_RETURN(void* data, TypedData(/*is_input=*/true, i, DTypeOf<T>::value));
    return TensorView<T>(static_cast<T*>(data), inputs_[i].elements);
  }
  Status Invoke();
  // Copies exactly the output's bytes out.
  Status GetOutput(int i, void* data, size_t bytes) const;
  template <typename T>
  StatusOr<TensorView<const T>> OutputData(int i) const {
    QF_ASSIGN_OR_RETURN(void* data, TypedData(/*is_input=*/false, i, DTypeOf<T>::value));
    return TensorView<const T>(static_cast<const T*>(data), outputs_[i].elements);
  }

  std::string isa() const;                        // the instruction set the kernels use
  std::vector<std::string> kernel_names() const;  // each operator's kernel, in order
  int64_t arena_bytes() const;                    // activation memory

 private:
  explicit Interpreter(std::unique_ptr<runtime::Interpreter> impl);
  StatusOr<void*> TypedData(bool is_input, int i, DType dtype) const;

  std::unique_ptr<runtime::Interpreter> impl_;
  std::vector<TensorInfo> inputs_, outputs_;
};

}  // namespace qforge
