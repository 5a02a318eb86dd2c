// oneDNN average pooling, excluding padding.
#include "ops/onednn/avg_pool_onednn.h"

#include <optional>

#include "ops/onednn/onednn_common.h"

namespace qforge::onednn {

using dnnl::algorithm;
using dnnl::pooling_backward;
using dnnl::pooling_forward;
using dnnl::prop_kind;
using tag = dnnl::memory::format_tag;

struct AvgPoolPrimitives::Entry {
  dnnl::memory::desc src, dst;
  std::optional<pooling_forward> forward;
  std::optional<pooling_backward> backward;
};

AvgPoolPrimitives::AvgPoolPrimitives() = default;
AvgPoolPrimitives::~AvgPoolPrimitives() = default;

AvgPoolPrimitives::Entry& AvgPoolPrimitives::Get(const ref::PoolShape& s) {
  const auto& w = s.win;
  auto& slot = cache_[{s.n, s.c, s.h, s.w, w.kernel[0], w.kernel[1], w.stride[0], w.stride[1],
                       w.pads[0], w.pads[1], w.pads[2], w.pads[3]}];
  if (slot) return *slot;
  auto e = std::make_unique<Entry>();
  e->src = PlainDesc({s.n, s.c, s.h, s.w}, tag::nchw);
  e->dst = PlainDesc({s.n, s.c, s.oh(), s.ow()}, tag::nchw);
  const algorithm alg = algorithm::pooling_avg_exclude_padding;
  const dnnl::memory::dims strides{w.stride[0], w.stride[1]}, kernel{w.kernel[0], w.kernel[1]},
      pad_l{w.pads[0], w.pads[1]}, pad_r{w.pads[2], w.pads[3]};
  pooling_forward::primitive_desc forward_pd(
      pooling_forward::desc(prop_kind::forward_training, alg, e->src, e->dst, strides, kernel,
                            pad_l, pad_r),
      Engine());
  e->forward.emplace(forward_pd);
  e->backward.emplace(pooling_backward::primitive_desc(
      pooling_backward::desc(alg, e->src, e->dst, strides, kernel, pad_l, pad_r), Engine(),
      forward_pd));
  slot = std::move(e);
  return *slot;
}

void AvgPoolPrimitives::Forward(const ref::PoolShape& s, const float* x, float* y) {
  Entry& e = Get(s);
  e.forward->execute(Stream(), {{DNNL_ARG_SRC, Wrap(e.src, x)}, {DNNL_ARG_DST, Wrap(e.dst, y)}});
  Stream().wait();
}

void AvgPoolPrimitives::Backward(const ref::PoolShape& s, const float* dy, float* dx) {
  Entry& e = Get(s);
  e.backward->execute(Stream(), {{DNNL_ARG_DIFF_DST, Wrap(e.dst, dy)}, {DNNL_ARG_DIFF_SRC, Wrap(e.src, dx)}});
  Stream().wait();
}

}  // namespace qforge::onednn
