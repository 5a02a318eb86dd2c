// How an operator of a .qfm model becomes runnable: a preparer validates the operator against
// its tensors (types, shapes, quantization), precomputes what the kernel needs (multipliers,
// tables, widened weights) and returns an OpKernel whose Run() only computes — no checks, no
// allocation.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/kernels/dispatch.h"
#include "runtime/model/qfm_generated.h"
#include "runtime/runtime_tensor.h"
#include "qforge/status.h"
#include "runtime/thread_pool.h"

namespace qforge::runtime {

class OpKernel {
 public:
  // `name` says which implementation runs (logged with QFORGE_VERBOSE=1).
  explicit OpKernel(std::function<void()> run, std::string name = "ref") : run_(std::move(run)), name_(std::move(name)) {}
  void Run() const { run_(); }
  const std::string& name() const { return name_; }

 private:
  std::function<void()> run_;
  std::string name_;
};

// What a preparer sees of one operator: its tensors, the ISA cap and the thread pool.
struct PrepareContext {
  int index = 0;
  Isa isa = Isa::kRef;          // the best instruction set the kernels may use
  ThreadPool* pool = nullptr;   // threads a kernel may split its work over (null: one)
  bool sparse_kernels = true;   // pruned layers may take the sparse kernel
  const qfm::Operator* op = nullptr;
  std::vector<const RuntimeTensor*> inputs;  // nullptr for an absent optional input (-1)
  std::vector<const RuntimeTensor*> outputs;

  // "operator 3 (CONV_2D)".
  std::string Label() const;
  // An InvalidArgument status "operator 3 (CONV_2D): <message>".
  Status Error(const std::string& message) const;
};

// Dispatches on the operator type; fails with a message naming the operator when its tensors
// do not fit together or a type combination has no kernel.
StatusOr<std::unique_ptr<OpKernel>> PrepareOp(const PrepareContext& context);

}  // namespace qforge::runtime
