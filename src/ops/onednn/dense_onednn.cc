// oneDNN inner product on plain row-major x [N, K] and weights [M, K].
#include "ops/onednn/dense_onednn.h"

#include <optional>
#include <vector>

#include "ops/onednn/onednn_common.h"

namespace qforge::onednn {

using dnnl::inner_product_backward_data;
using dnnl::inner_product_backward_weights;
using dnnl::inner_product_forward;
using dnnl::prop_kind;
using tag = dnnl::memory::format_tag;

struct DensePrimitives::Entry {
  dnnl::memory::desc src, wei, bias, dst;
  std::vector<float> zero_bias;  // stands in for a missing bias
  std::optional<inner_product_forward> forward;  // serves training and inference alike
  std::optional<inner_product_backward_data> bwd_data;
  std::optional<inner_product_backward_weights> bwd_weights, bwd_weights_bias;
};

DensePrimitives::DensePrimitives() = default;
DensePrimitives::~DensePrimitives() = default;

DensePrimitives::Entry& DensePrimitives::Get(int64_t n, int64_t k, int64_t m) {
  auto& slot = cache_[{n, k, m}];
  if (slot) return *slot;
  auto e = std::make_unique<Entry>();
  e->src = PlainDesc({n, k}, tag::nc);
  e->wei = PlainDesc({m, k}, tag::oi);
  e->bias = PlainDesc({m}, tag::x);
  e->dst = PlainDesc({n, m}, tag::nc);
  e->zero_bias.assign(m, 0.0f);
  inner_product_forward::primitive_desc fwd_pd(
      inner_product_forward::desc(prop_kind::forward_training, e->src, e->wei, e->bias, e->dst),
      Engine());
  e->forward.emplace(fwd_pd);
  e->bwd_data.emplace(inner_product_backward_data::primitive_desc(
      inner_product_backward_data::desc(e->src, e->wei, e->dst), Engine(), fwd_pd));
  e->bwd_weights.emplace(inner_product_backward_weights::primitive_desc(
      inner_product_backward_weights::desc(e->src, e->wei, e->dst), Engine(), fwd_pd));
  e->bwd_weights_bias.emplace(inner_product_backward_weights::primitive_desc(
      inner_product_backward_weights::desc(e->src, e->wei, e->bias, e->dst), Engine(), fwd_pd));
  slot = std::move(e);
  return *slot;
}

void DensePrimitives::Forward(int64_t n, int64_t k, int64_t m, const float* x, const float* w,
                              const float* b, float* y) {
  Entry& e = Get(n, k, m);
  e.forward->execute(Stream(), {{DNNL_ARG_SRC, Wrap(e.src, x)},
                                {DNNL_ARG_WEIGHTS, Wrap(e.wei, w)},
                                {DNNL_ARG_BIAS, Wrap(e.bias, b ? b : e.zero_bias.data())},
                                {DNNL_ARG_DST, Wrap(e.dst, y)}});
  Stream().wait();
}

void DensePrimitives::BackwardData(int64_t n, int64_t k, int64_t m, const float* w,
                                   const float* dy, float* dx) {
  Entry& e = Get(n, k, m);
  e.bwd_data->execute(Stream(), {{DNNL_ARG_DIFF_DST, Wrap(e.dst, dy)},
                                 {DNNL_ARG_WEIGHTS, Wrap(e.wei, w)},
                                 {DNNL_ARG_DIFF_SRC, Wrap(e.src, dx)}});
  Stream().wait();
}

void DensePrimitives::BackwardWeights(int64_t n, int64_t k, int64_t m, const float* x,
                                      const float* dy, float* dw, float* db) {
  Entry& e = Get(n, k, m);
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, Wrap(e.src, x)},
                                             {DNNL_ARG_DIFF_DST, Wrap(e.dst, dy)},
                                             {DNNL_ARG_DIFF_WEIGHTS, Wrap(e.wei, dw)}};
  if (db) args.emplace(DNNL_ARG_DIFF_BIAS, Wrap(e.bias, db));
  (db ? *e.bwd_weights_bias : *e.bwd_weights).execute(Stream(), args);
  Stream().wait();
}

}  // namespace qforge::onednn
