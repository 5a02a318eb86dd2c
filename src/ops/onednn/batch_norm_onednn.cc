// oneDNN batch normalization with separate scale and shift tensors.
#include "ops/onednn/batch_norm_onednn.h"

#include <optional>

#include "ops/onednn/onednn_common.h"

namespace qforge::onednn {

using dnnl::batch_normalization_backward;
using dnnl::batch_normalization_forward;
using dnnl::normalization_flags;
using dnnl::prop_kind;
using tag = dnnl::memory::format_tag;

struct BatchNormPrimitives::Entry {
  dnnl::memory::desc data, channel;
  std::optional<batch_normalization_forward> training, inference;
  std::optional<batch_normalization_backward> backward;
};

BatchNormPrimitives::BatchNormPrimitives() = default;
BatchNormPrimitives::~BatchNormPrimitives() = default;

BatchNormPrimitives::Entry& BatchNormPrimitives::Get(const ref::BatchNormShape& s) {
  auto& slot = cache_[{s.n, s.c, s.spatial}];
  if (slot) return *slot;
  auto e = std::make_unique<Entry>();
  // Any spatial extent maps onto a [N, C, spatial, 1] image.
  e->data = PlainDesc({s.n, s.c, s.spatial, 1}, tag::nchw);
  e->channel = PlainDesc({s.c}, tag::x);
  const auto affine = normalization_flags::use_scale | normalization_flags::use_shift;
  batch_normalization_forward::primitive_desc train_pd(
      batch_normalization_forward::desc(prop_kind::forward_training, e->data, s.eps, affine), Engine());
  e->training.emplace(train_pd);
  e->inference.emplace(batch_normalization_forward::primitive_desc(
      batch_normalization_forward::desc(prop_kind::forward_inference, e->data, s.eps,
                                        affine | normalization_flags::use_global_stats),
      Engine()));
  e->backward.emplace(batch_normalization_backward::primitive_desc(
      batch_normalization_backward::desc(prop_kind::backward, e->data, e->data, s.eps, affine),
      Engine(), train_pd));
  slot = std::move(e);
  return *slot;
}

void BatchNormPrimitives::Forward(const ref::BatchNormShape& s, bool training, const float* x,
                                  const float* gamma, const float* beta, float* mean, float* var,
                                  float* y) {
  Entry& e = Get(s);
  (training ? *e.training : *e.inference)
      .execute(Stream(), {{DNNL_ARG_SRC, Wrap(e.data, x)},
                          {DNNL_ARG_SCALE, Wrap(e.channel, gamma)},
                          {DNNL_ARG_SHIFT, Wrap(e.channel, beta)},
                          {DNNL_ARG_MEAN, Wrap(e.channel, mean)},
                          {DNNL_ARG_VARIANCE, Wrap(e.channel, var)},
                          {DNNL_ARG_DST, Wrap(e.data, y)}});
  Stream().wait();
}

void BatchNormPrimitives::Backward(const ref::BatchNormShape& s, const float* x,
                                   const float* gamma, const float* beta, const float* mean,
                                   const float* var, const float* dy, float* dx, float* dgamma,
                                   float* dbeta) {
  Entry& e = Get(s);
  e.backward->execute(Stream(), {{DNNL_ARG_SRC, Wrap(e.data, x)},
                                 {DNNL_ARG_MEAN, Wrap(e.channel, mean)},
                                 {DNNL_ARG_VARIANCE, Wrap(e.channel, var)},
                                 {DNNL_ARG_DIFF_DST, Wrap(e.data, dy)},
                                 {DNNL_ARG_SCALE, Wrap(e.channel, gamma)},
                                 {DNNL_ARG_SHIFT, Wrap(e.channel, beta)},
                                 {DNNL_ARG_DIFF_SRC, Wrap(e.data, dx)},
                                 {DNNL_ARG_DIFF_SCALE, Wrap(e.channel, dgamma)},
                                 {DNNL_ARG_DIFF_SHIFT, Wrap(e.channel, dbeta)}});
  Stream().wait();
}

}  // namespace qforge::onednn
