// Synchronized batch norm: replicas (threads) on the shards of a batch compute what one op
// computes on the whole batch — outputs, running statistics, input gradients; their parameter
// gradients sum to the whole batch's.
#include <gtest/gtest.h>

#include <thread>

#include "core/replicas_test_util.h"
#include "ops/op_test_harness.h"

namespace qforge::testing {
namespace {

// Examples [first, first + count) of x (batch dimension 0).
Tensor Rows(const Tensor& x, int64_t first, int64_t count) {
  Shape shape = x.shape();
  const int64_t per = x.size() / shape[0];
  shape[0] = count;
  Tensor out(shape);
  std::copy(x.data() + first * per, x.data() + (first + count) * per, out.data());
  return out;
}

TEST(SynchronizedBatchNorm, ShardsComputeWhatTheWholeBatchDoes) {
  Rng rng(21);
  for (const bool relu : {false, true})
    for (const Shape& shape : {Shape{6, 3, 4, 5}, Shape{5, 7}}) {
      const int64_t c = shape[1], n = shape[0];
      std::vector<Tensor> whole{RandomTensor(shape, rng, -2, 3), RandomTensor({c}, rng, 0.5f, 1.5f),
                                RandomTensor({c}, rng), RandomTensor({c}, rng), RandomTensor({c}, rng, 0.5f, 2.0f)};
      const Tensor dy = RandomTensor(shape, rng);
      const nlohmann::json attrs{{"momentum", 0.3}, {"fuse_relu", relu}};
      auto whole_op = MakeOp("BatchNorm", attrs);
      std::vector<Tensor> whole_in = whole;
      const Tensor y = RunForward(*whole_op, whole_in, {Backend::kFast, true});
      whole_in = whole;
      const std::vector<Tensor> g = RunBackward(*whole_op, whole_in, dy, {0, 1, 2}, {Backend::kFast, true});

      // Two replicas on unequal shards (n = 6: 2 + 4; n = 5: 2 + 3), each with its own op.
      const int64_t split = 2;
      ReplicaExchange exchange(2);
      std::vector<Tensor> y_part(2), running_mean(2), running_var(2);
      std::vector<std::vector<Tensor>> g_part(2);
      auto replica = [&](int rank) {
        ThreadReplica replicas(&exchange, rank);
        const int64_t first = rank == 0 ? 0 : split, count = rank == 0 ? split : n - split;
        std::vector<Tensor> in = whole;
        in[0] = Rows(whole[0], first, count);
        auto op = MakeOp("BatchNorm", attrs);
        const RunOptions o{Backend::kFast, true, 7, &replicas};
        y_part[rank] = RunForward(*op, in, o);
        running_mean[rank] = in[3];
        running_var[rank] = in[4];
        in[3] = whole[3], in[4] = whole[4];
        g_part[rank] = RunBackward(*op, in, Rows(dy, first, count), {0, 1, 2}, o);
      };
      std::thread second(replica, 1);
      replica(0);
      second.join();

      const std::string what = fmt::format("shape {} relu {}", ShapeToString(shape), relu);
      ExpectClose(Rows(y, 0, split), y_part[0], 1e-5f, 1e-5f, "forward, shard 0, " + what);
      ExpectClose(Rows(y, split, n - split), y_part[1], 1e-5f, 1e-5f, "forward, shard 1, " + what);
      for (int r = 0; r < 2; ++r) {
        ExpectClose(running_mean[r], whole_in[3], 1e-6f, 1e-5f, "running mean, " + what);
        ExpectClose(running_var[r], whole_in[4], 1e-6f, 1e-5f, "running var, " + what);
      }
      ExpectClose(Rows(g[0], 0, split), g_part[0][0], 1e-5f, 1e-4f, "dx, shard 0, " + what);
      ExpectClose(Rows(g[0], split, n - split), g_part[1][0], 1e-5f, 1e-4f, "dx, shard 1, " + what);
      for (int k = 1; k <= 2; ++k) {
        Tensor sum = g_part[0][k];
        for (int64_t i = 0; i < sum.size(); ++i) sum[i] += g_part[1][k][i];
        ExpectClose(sum, g[k], 1e-5f, 1e-4f, fmt::format("parameter gradient {}, {}", k, what));
      }
    }
}

}  // namespace
}  // namespace qforge::testing
