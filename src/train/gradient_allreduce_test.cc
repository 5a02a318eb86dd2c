// GradientAllReduce: buckets start while back-propagation goes on (the last layers' first), and
// the sums written back are the ranks' sums — here against a stand-in for a second rank holding
// the same gradients, so every summed gradient is exactly twice this rank's.
#include <gtest/gtest.h>

#include <utility>

#include "ops/op_test_harness.h"
#include "train/gradient_allreduce.h"
#include "train/logits.h"
#include "train/loss.h"
#include "zoo/zoo.h"

namespace qforge {
namespace {

// Two ranks whose gradients are equal: a sum doubles. Records when each sum starts.
class TwinRanks : public distributed::Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 2; }
  int local_size() const override { return 2; }
  void Sum(double* v, int64_t n) override { Double(v, n); }
  void Sum(float* v, int64_t n) override { Double(v, n); }
  void Min(float*, int64_t) override {}
  void Max(float*, int64_t) override {}
  void Broadcast(void*, int64_t) override {}
  int StartSum(float* v, int64_t n) override {
    pending_.emplace_back(v, n);
    started_in_backward += in_backward ? 1 : 0;
    return static_cast<int>(pending_.size());
  }
  void Poll() override {}
  void FinishAll() override {
    for (auto [v, n] : pending_) Double(v, n);
    pending_.clear();
  }
  [[noreturn]] void Abort(const std::string& message) override {
    ADD_FAILURE() << message;
    std::abort();
  }

  bool in_backward = false;
  int started_in_backward = 0;

 private:
  template <typename T>
  static void Double(T* v, int64_t n) {
    for (int64_t i = 0; i < n; ++i) v[i] += v[i];
  }
  std::vector<std::pair<float*, int64_t>> pending_;
};

TEST(GradientAllReduce, BucketsStartDuringBackwardAndSumEveryGradient) {
  auto graph = FindZooModel("lenet5")->build(3);
  ASSERT_TRUE(graph.ok());
  Rng rng(4);
  const Tensor images = testing::RandomTensor({8, 1, 28, 28}, rng);
  const std::vector<int32_t> labels{0, 1, 2, 3, 4, 5, 6, 7};
  for (const int64_t bucket_bytes : {int64_t{16} << 10, GradientAllReduce::kDefaultBucketBytes}) {
    // The gradients of one process, then the same with the all-reduce attached.
    std::vector<Tensor> alone;
    TwinRanks twins;
    for (const bool distributed : {false, true}) {
      Executor exec(&*graph, Backend::kFast);
      GradientAllReduce allreduce(*graph, &twins, bucket_bytes);
      if (distributed) allreduce.Attach(exec);
      ASSERT_TRUE(exec.Forward({&images}, true).ok());
      Tensor dlogits;
      SoftmaxCrossEntropy(exec.value(LogitsValue(*graph)), labels, &dlogits);
      twins.in_backward = true;
      exec.Backward({{LogitsValue(*graph), &dlogits}});
      twins.in_backward = false;
      if (distributed) {
        allreduce.Finish(exec);
        if (bucket_bytes < GradientAllReduce::kDefaultBucketBytes) {
          EXPECT_GT(allreduce.num_buckets(), 2);
          // Every bucket but the first layer's starts before Backward returns.
          EXPECT_GE(twins.started_in_backward, allreduce.num_buckets() - 1);
        } else {
          EXPECT_EQ(allreduce.num_buckets(), 1);
        }
      }
      size_t k = 0;
      for (size_t p = 0; p < graph->params().size(); ++p) {
        if (!graph->params()[p].trainable) continue;
        const Tensor& g = exec.param_grad(static_cast<int>(p));
        if (!distributed) {
          alone.push_back(g);
          continue;
        }
        const Tensor& once = alone[k++];
        ASSERT_EQ(g.size(), once.size());
        for (int64_t i = 0; i < g.size(); ++i) ASSERT_EQ(g[i], 2 * once[i]) << graph->params()[p].name << " " << i;
      }
    }
  }
}

}  // namespace
}  // namespace qforge
