// Interpreter: runs a loaded .qfm Model. Create() prepares once — validates every operator
// against its tensors, precomputes multipliers and tables, and plans one memory arena from the
// tensors' lifetimes — then Invoke() runs the operators in order without allocating. Each
// interpreter owns its arena, so several interpreters (one per thread) can share one Model.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "runtime/kernels/dispatch.h"
#include "runtime/model/model.h"
#include "runtime/op_kernel.h"
#include "runtime/runtime_tensor.h"
#include "qforge/status.h"
#include "runtime/thread_pool.h"

namespace qforge::runtime {

struct InterpreterOptions {
  // Activation tensors are stored with batch 1 (their first dimension); the interpreter
  // multiplies that dimension by batch_size.
  int batch_size = 1;
  // Caps the instruction set of the optimized kernels below the process's (kernels/dispatch.h:
  // the best the CPU supports, capped by QFORGE_ISA).
  Isa max_isa = kHighestIsa;
  // Pruned int8 convolutions and dense layers may run on the sparse kernel where its cost model
  // expects it to be faster (kernels/sparse_gemm.h); false: always the dense kernels.
  bool sparse_kernels = true;
  // Threads of the optimized kernels (1: run on the caller's thread only).
  int threads = 1;
  // Work (multiply-accumulates or bytes) below which an operator is not split over the
  // threads; 0: ThreadPool's default. Tests set 1 so that small models still split.
  int64_t min_task_work = 0;
  // Accumulate each operator's wall time over Invoke calls (op_seconds()).
  bool profile = false;
  // The activation arena (planned from the model's declared shapes x batch_size) may not exceed
  // this many bytes: a model declaring huge activations is refused before anything is
  // allocated. The default allows a 224x224 ResNet at batch 256 with room to spare.
  int64_t max_arena_bytes = int64_t{8} << 30;
  // Give every activation tensor its own memory, live to the end (no reuse): after Invoke every
  // intermediate tensor can be read (tensors()), and one operator can be rerun on inputs written
  // into its input tensors (InvokeOperator). For debugging; the arena is the naive size.
  bool keep_all_tensors = false;
};

struct ArenaStats {
  int64_t peak_bytes = 0;         // the arena's size
  int64_t lower_bound_bytes = 0;  // most bytes live at any one operator: no plan can do better
  int64_t naive_bytes = 0;        // sum of all activation tensors (no reuse)
};

class Interpreter {
 public:
  static StatusOr<std::unique_ptr<Interpreter>> Create(std::shared_ptr<const Model> model,
                                                       const InterpreterOptions& options = {});

  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  // Shape, type, quantization and bytes of a model input or output.
  const RuntimeTensor& input(int i) const { return tensors_[inputs_.at(i)]; }
  const RuntimeTensor& output(int i) const { return tensors_[outputs_.at(i)]; }

  // Copies `bytes` bytes into input i; fails unless they are exactly the input's size.
  Status SetInput(int i, const void* data, int64_t bytes);
  Status Invoke();
  // Runs operator k alone on what its input tensors hold (with keep_all_tensors; fails otherwise).
  Status InvokeOperator(int k);
  // The tensor named `name` (-1 if none).
  int FindTensor(const std::string& name) const;
  // Copies output i out; fails unless `bytes` is exactly its size.
  Status GetOutput(int i, void* data, int64_t bytes) const;

  const std::vector<RuntimeTensor>& tensors() const { return tensors_; }
  const ArenaStats& arena_stats() const { return arena_stats_; }
  int batch_size() const { return batch_size_; }
  Isa isa() const { return isa_; }
  // The implementation each operator runs ("ref", "gemm avx512vnni", ...), in order.
  std::vector<std::string> kernel_names() const;
  // Seconds spent in each operator over all Invoke calls so far (empty unless profiling).
  const std::vector<double>& op_seconds() const { return op_seconds_; }
  const Model& model() const { return *model_; }

 private:
  Interpreter() = default;
  Status BuildTensors();
  Status PlanMemory();
  Status PrepareOps();

  std::shared_ptr<const Model> model_;
  int batch_size_ = 1;
  int64_t max_arena_bytes_ = 0;
  Isa isa_ = Isa::kRef;
  std::unique_ptr<ThreadPool> pool_;  // threads > 1
  bool profile_ = false;
  bool keep_all_tensors_ = false;
  bool sparse_kernels_ = true;
  std::vector<double> op_seconds_;
  std::vector<RuntimeTensor> tensors_;
  std::vector<int> inputs_, outputs_;
  std::unique_ptr<uint8_t[]> arena_storage_;
  ArenaStats arena_stats_;
  std::vector<std::unique_ptr<OpKernel>> kernels_;
};

}  // namespace qforge::runtime
