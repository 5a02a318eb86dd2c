// Op: the interface every training op implements — attributes, shape function, forward and
// backward. Each op has one output; parameters (weights, BN statistics) are ordinary inputs.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/replicas.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/tensor.h"

namespace qforge {

// Which implementation runs an op's math. kReference is the plain C++ oracle used by tests;
// kFast is the fast path — oneDNN, or qforge's own vectorized OpenMP kernels (src/ops/cpu)
// where oneDNN's plain-layout kernels are slower — for ops that have one.
enum class Backend { kReference, kFast };

struct OpContext {
  bool training = false;
  Backend backend = Backend::kFast;
  Rng* rng = nullptr;  // randomness for ops such as Dropout
  // Data-parallel training: the replicas whose shards make up the batch; ops with batch
  // statistics (BatchNorm) reduce them over it. Null: the batch is all here.
  ReplicaGroup* replicas = nullptr;
};

class Op {
 public:
  virtual ~Op() = default;

  virtual std::string_view type() const = 0;
  virtual nlohmann::json attrs() const { return nlohmann::json::object(); }
  // True when the output stands for the first input as quantization-aware training transforms
  // it (fake quantization; batch-norm folding's per-channel weight scale): analyses that ask what
  // a value is — the parameter behind a layer's weights (WeightParamOf), the logits behind a
  // model's output (LogitsValue) — look through such nodes.
  virtual bool PassesThrough() const { return false; }
  // True when each output channel depends only on the same input channel and an all-zero input
  // channel gives an all-zero output channel (ReLU, HardSwish, pooling, dropout; not Sigmoid):
  // a pruned channel stays prunable through such nodes.
  virtual bool KeepsZeroChannels() const { return false; }
  // True when every output value is an input value moved or picked, or a windowed average the
  // runtime computes on the input's grid (pooling, reshapes, dropout, channel shuffles and
  // slices): quantization gives the output the input's grid.
  virtual bool KeepsValueRange() const { return false; }

  // Output shape from input shapes. Dimension 0 is the batch and may be -1 (unknown).
  virtual StatusOr<Shape> InferShape(const std::vector<Shape>& inputs) const = 0;

  // Computes `output` (already sized by the executor). Inputs are read-only, except that an
  // op with running state (BatchNorm) updates its state inputs when ctx.training is set.
  // Ops may keep what Backward needs (masks, batch statistics) in member scratch space, so one
  // op instance serves one executor at a time.
  virtual void Forward(const OpContext& ctx, const std::vector<Tensor*>& inputs,
                       Tensor& output) = 0;

  // Writes (overwrites) the gradient of each input whose grad_inputs entry is non-null, given
  // the gradient of the output. Called after Forward on the same inputs.
  virtual void Backward(const OpContext& ctx, const std::vector<Tensor*>& inputs,
                        const Tensor& output, const Tensor& grad_output,
                        const std::vector<Tensor*>& grad_inputs) = 0;
};

// Builds an op from its type name and attributes (as written by Op::attrs()); validates them.
StatusOr<std::unique_ptr<Op>> CreateOp(std::string_view type, const nlohmann::json& attrs);

// Adds an op type defined above this layer (registering the same factory twice is a no-op).
using OpFactory = StatusOr<std::unique_ptr<Op>> (*)(const nlohmann::json& attrs);
Status RegisterOpType(const std::string& type, OpFactory factory);

// Every registered op type, for documentation and tests.
std::vector<std::string> RegisteredOpTypes();

}  // namespace qforge
