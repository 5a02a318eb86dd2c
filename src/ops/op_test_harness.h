// Test-only helpers for ops: run an op on tensors, check its gradients by central finite
// differences, and compare two backends. Used by every op test.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/rng.h"
#include "ops/geometry.h"
#include "ops/op.h"

namespace qforge::testing {

inline Tensor RandomTensor(const Shape& shape, Rng& rng, float lo = -1.0f, float hi = 1.0f) {
  Tensor t(shape);
  for (int64_t i = 0; i < t.size(); ++i) t[i] = rng.Uniform(lo, hi);
  return t;
}

// Values whose magnitude is at least `gap` (keeps finite differences off ReLU-like kinks).
inline Tensor AwayFromZero(const Shape& shape, Rng& rng, float gap = 0.1f) {
  Tensor t(shape);
  for (int64_t i = 0; i < t.size(); ++i)
    t[i] = (rng.Uniform() < 0.5f ? -1.0f : 1.0f) * rng.Uniform(gap, 1.0f);
  return t;
}

// Distinct values at least `spacing` apart, in random order (keeps max-pool ties away).
inline Tensor DistinctValues(const Shape& shape, Rng& rng, float spacing = 0.05f) {
  Tensor t(shape);
  for (int64_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i) * spacing;
  for (int64_t i = t.size() - 1; i > 0; --i) std::swap(t[i], t[rng.Below(i + 1)]);
  return t;
}

inline std::vector<Tensor*> Pointers(std::vector<Tensor>& ts) {
  std::vector<Tensor*> p;
  for (auto& t : ts) p.push_back(&t);
  return p;
}

struct RunOptions {
  Backend backend = Backend::kReference;
  bool training = true;
  uint64_t rng_seed = 7;  // reseeded before every forward, so random ops repeat themselves
  ReplicaGroup* replicas = nullptr;  // data-parallel: the replicas holding the rest of the batch
};

inline Tensor RunForward(Op& op, std::vector<Tensor>& inputs, const RunOptions& o) {
  std::vector<Shape> shapes;
  for (auto& t : inputs) shapes.push_back(t.shape());
  auto shape = op.InferShape(shapes);
  EXPECT_TRUE(shape.ok()) << shape.status().ToString();
  Tensor out(*shape);
  Rng rng(o.rng_seed);
  OpContext ctx{o.training, o.backend, &rng, o.replicas};
  op.Forward(ctx, Pointers(inputs), out);
  return out;
}

// Gradients of every input listed in `wrt` for the output projected on `dy`.
inline std::vector<Tensor> RunBackward(Op& op, std::vector<Tensor>& inputs, const Tensor& dy,
                                       const std::vector<int>& wrt, const RunOptions& o) {
  Tensor out = RunForward(op, inputs, o);
  std::vector<Tensor> grads(inputs.size());
  std::vector<Tensor*> din(inputs.size(), nullptr);
  for (int k : wrt) {
    grads[k] = Tensor(inputs[k].shape(), 12345.0f);  // must be overwritten
    din[k] = &grads[k];
  }
  Rng rng(o.rng_seed);
  OpContext ctx{o.training, o.backend, &rng, o.replicas};
  op.Backward(ctx, Pointers(inputs), out, dy, din);
  return grads;
}

// Compares the analytic gradient of L = sum(out * proj) with central differences, for each
// input in `wrt` (at most `max_points` elements per input, chosen at random).
inline void CheckGradients(Op& op, std::vector<Tensor> inputs, const std::vector<int>& wrt,
                           RunOptions o = {}, float h = 1e-2f, float atol = 5e-3f,
                           float rtol = 2e-2f, int max_points = 60) {
  Rng rng(99);
  Tensor out = RunForward(op, inputs, o);
  Tensor proj = RandomTensor(out.shape(), rng);
  auto loss = [&]() {
    Tensor y = RunForward(op, inputs, o);
    double sum = 0;
    for (int64_t i = 0; i < y.size(); ++i) sum += static_cast<double>(y[i]) * proj[i];
    return sum;
  };
  std::vector<Tensor> grads = RunBackward(op, inputs, proj, wrt, o);
  for (int k : wrt) {
    const int64_t n = inputs[k].size();
    for (int p = 0; p < std::min<int64_t>(n, max_points); ++p) {
      const int64_t i = n <= max_points ? p : static_cast<int64_t>(rng.Below(n));
      const float saved = inputs[k][i];
      inputs[k][i] = saved + h;
      const double up = loss();
      inputs[k][i] = saved - h;
      const double down = loss();
      inputs[k][i] = saved;
      const double numeric = (up - down) / (2.0 * h);
      const double analytic = grads[k][i];
      EXPECT_NEAR(analytic, numeric, atol + rtol * std::max(std::abs(numeric), std::abs(analytic)))
          << op.type() << " input " << k << " element " << i;
    }
  }
}

inline void ExpectClose(const Tensor& a, const Tensor& b, float atol, float rtol,
                        const std::string& what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  int reported = 0;
  for (int64_t i = 0; i < a.size(); ++i) {
    const float tol = atol + rtol * std::abs(b[i]);
    if (std::abs(a[i] - b[i]) > tol && reported++ < 5)
      ADD_FAILURE() << what << ": element " << i << " is " << a[i] << ", expected " << b[i];
  }
}

// A registered op made from its type and attributes (the test fails if that fails).
inline std::unique_ptr<Op> MakeOp(const std::string& type, const nlohmann::json& attrs = nlohmann::json::object()) {
  auto op = CreateOp(type, attrs);
  EXPECT_TRUE(op.ok()) << op.status().ToString();
  return std::move(op).value();
}

// Conv2D attributes: a k x k window, stride, pads {top, left, bottom, right}, dilation, groups.
inline nlohmann::json ConvAttrs(int64_t k, int64_t stride, std::array<int64_t, 4> pads, int64_t dil, int64_t groups) {
  Window2D w;
  w.kernel = {k, k};
  w.stride = {stride, stride};
  w.pads = pads;
  w.dilation = {dil, dil};
  auto j = WindowToJson(w);
  j["groups"] = groups;
  return j;
}

// Pooling attributes: a k x k window, stride s, pads {top, left, bottom, right}.
inline nlohmann::json PoolAttrs(int64_t k, int64_t s, std::array<int64_t, 4> pads) {
  Window2D w;
  w.kernel = {k, k};
  w.stride = {s, s};
  w.pads = pads;
  return WindowToJson(w);
}

}  // namespace qforge::testing
