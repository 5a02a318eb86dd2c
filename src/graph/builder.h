// GraphBuilder: a layer-level API for writing models (sequential or branching). It creates
// parameters with their initializers and names nodes "conv1", "bn1", ... The first error is
// kept and returned by Finish(), so model code reads as a plain list of layers.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/rng.h"
#include "graph/graph.h"

namespace qforge {

enum class Padding { kValid, kSame };

struct ConvOptions {
  int64_t stride = 1;
  Padding padding = Padding::kValid;
  int64_t dilation = 1;
  int64_t groups = 1;
  bool bias = true;
};

struct PoolOptions {
  int64_t stride = 0;  // 0: same as the kernel size
  Padding padding = Padding::kValid;
};

class GraphBuilder {
 public:
  explicit GraphBuilder(uint64_t seed) : rng_(seed) {}

  // Value ids; -1 after an error (later calls then do nothing).
  int Input(const std::string& name, const Shape& shape_without_batch);
  int Conv2D(int x, int64_t out_channels, int64_t kernel, const ConvOptions& options = {});
  // groups == channels, one filter per channel.
  int DepthwiseConv2D(int x, int64_t kernel, ConvOptions options = {});
  int Dense(int x, int64_t units, bool bias = true);
  int BatchNorm(int x, float eps = 1e-5f, float momentum = 0.1f);
  // BatchNorm followed by ReLU as one op (one pass over memory instead of two).
  int BatchNormRelu(int x, float eps = 1e-5f, float momentum = 0.1f);
  int Relu(int x);
  int Relu6(int x);
  int HardSwish(int x);
  int HardSigmoid(int x);
  int Sigmoid(int x);
  int Silu(int x);
  // Probabilities over [N, classes] (training applies the loss to its input, the logits).
  int Softmax(int x);
  int MaxPool(int x, int64_t kernel, const PoolOptions& options = {});
  int AvgPool(int x, int64_t kernel, const PoolOptions& options = {});
  int GlobalAvgPool(int x);
  int Add(int a, int b);
  // a * b, b of a's shape or a per-channel gate [N, C, 1, 1].
  int Mul(int a, int b);
  int ChannelShuffle(int x, int64_t groups);
  int SliceChannels(int x, int64_t begin, int64_t end);
  int Concat(const std::vector<int>& xs);
  int Flatten(int x);
  int Reshape(int x, const Shape& shape_without_batch);
  int Dropout(int x, float rate);
  // Any registered op type (ops/registry.cc or RegisterOpType) on these inputs.
  int OpOfType(const std::string& type, const nlohmann::json& attrs, std::vector<int> inputs);

  StatusOr<Graph> Finish(const std::vector<int>& outputs);

 private:
  int AddNode(const std::string& prefix, StatusOr<std::unique_ptr<Op>> op,
              std::vector<int> inputs);
  int AddParam(const std::string& name, Tensor t, bool trainable);
  // He-uniform weights, bound sqrt(6 / fan_in).
  Tensor HeUniform(const Shape& shape, int64_t fan_in);
  int AddBatchNorm(int x, float eps, float momentum, bool fuse_relu);
  const Shape& ShapeOf(int v) const { return graph_.values()[v].shape; }
  bool Failed(std::initializer_list<int> vs) const;

  Graph graph_;
  Status status_;
  Rng rng_;
  std::map<std::string, int> counters_;
};

}  // namespace qforge
