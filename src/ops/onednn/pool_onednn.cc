// oneDNN pooling; average pooling excludes padding, like the reference and TFLite.
#include "ops/onednn/pool_onednn.h"

#include <optional>

#include "ops/onednn/onednn_common.h"

namespace qforge::onednn {

using dnnl::algorithm;
using dnnl::pooling_backward;
using dnnl::pooling_forward;
using dnnl::prop_kind;
using tag = dnnl::memory::format_tag;

struct PoolPrimitives::Entry {
  dnnl::memory::desc src, dst;
  std::optional<pooling_forward> training, inference;
  std::optional<pooling_backward> backward;
  dnnl::memory workspace;  // empty for average pooling
};

PoolPrimitives::PoolPrimitives(bool max) : max_(max) {}
PoolPrimitives::~PoolPrimitives() = default;

PoolPrimitives::Entry& PoolPrimitives::Get(const ref::PoolShape& s) {
  const auto& w = s.win;
  auto& slot = cache_[{s.n, s.c, s.h, s.w, w.kernel[0], w.kernel[1], w.stride[0], w.stride[1],
                       w.pads[0], w.pads[1], w.pads[2], w.pads[3]}];
  if (slot) return *slot;
  auto e = std::make_unique<Entry>();
  e->src = PlainDesc({s.n, s.c, s.h, s.w}, tag::nchw);
  e->dst = PlainDesc({s.n, s.c, s.oh(), s.ow()}, tag::nchw);
  const algorithm alg = max_ ? algorithm::pooling_max : algorithm::pooling_avg_exclude_padding;
  const dnnl::memory::dims strides{w.stride[0], w.stride[1]}, kernel{w.kernel[0], w.kernel[1]},
      pad_l{w.pads[0], w.pads[1]}, pad_r{w.pads[2], w.pads[3]};
  pooling_forward::primitive_desc train_pd(
      pooling_forward::desc(prop_kind::forward_training, alg, e->src, e->dst, strides, kernel,
                            pad_l, pad_r),
      Engine());
  e->training.emplace(train_pd);
  e->inference.emplace(pooling_forward::primitive_desc(
      pooling_forward::desc(prop_kind::forward_inference, alg, e->src, e->dst, strides, kernel,
                            pad_l, pad_r),
      Engine()));
  e->backward.emplace(pooling_backward::primitive_desc(
      pooling_backward::desc(alg, e->src, e->dst, strides, kernel, pad_l, pad_r), Engine(), train_pd));
  if (max_) e->workspace = dnnl::memory(train_pd.workspace_desc(), Engine());
  slot = std::move(e);
  return *slot;
}

void PoolPrimitives::Forward(const ref::PoolShape& s, bool training, const float* x, float* y) {
  Entry& e = Get(s);
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, Wrap(e.src, x)},
                                             {DNNL_ARG_DST, Wrap(e.dst, y)}};
  if (training && max_) args.emplace(DNNL_ARG_WORKSPACE, e.workspace);
  (training ? *e.training : *e.inference).execute(Stream(), args);
  Stream().wait();
}

void PoolPrimitives::Backward(const ref::PoolShape& s, const float* dy, float* dx) {
  Entry& e = Get(s);
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_DIFF_DST, Wrap(e.dst, dy)},
                                             {DNNL_ARG_DIFF_SRC, Wrap(e.src, dx)}};
  if (max_) args.emplace(DNNL_ARG_WORKSPACE, e.workspace);
  e.backward->execute(Stream(), args);
  Stream().wait();
}

}  // namespace qforge::onednn
