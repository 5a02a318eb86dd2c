// oneDNN convolution with layout reorders at the edges.
#include "ops/onednn/conv2d_onednn.h"

#include <optional>
#include <vector>

#include "ops/onednn/onednn_common.h"

namespace qforge::onednn {

using dnnl::algorithm;
using dnnl::convolution_backward_data;
using dnnl::convolution_backward_weights;
using dnnl::convolution_forward;
using dnnl::prop_kind;
using tag = dnnl::memory::format_tag;

namespace {

// A tensor as a primitive wants it: either our plain buffer itself, or a blocked copy with
// cached reorders to and from the plain layout.
class Staged {
 public:
  Staged() = default;
  Staged(const dnnl::memory::desc& plain, const dnnl::memory::desc& wanted)
      : plain_(plain), wanted_(wanted) {
    if (plain == wanted) return;
    blocked_ = dnnl::memory(wanted, Engine());
    dnnl::memory p(plain, Engine(), DNNL_MEMORY_NONE);
    to_blocked_.emplace(dnnl::reorder::primitive_desc(p, blocked_));
    to_plain_.emplace(dnnl::reorder::primitive_desc(blocked_, p));
  }
  const dnnl::memory::desc& desc() const { return wanted_; }
  // The primitive's view of `data`, copying it into the blocked layout if needed.
  dnnl::memory In(const float* data) {
    dnnl::memory p = Wrap(plain_, data);
    if (!blocked_) return p;
    to_blocked_->execute(Stream(), p, blocked_);
    return blocked_;
  }
  // The primitive's view of the already staged copy (after In on the same data).
  dnnl::memory Reuse(const float* data) { return blocked_ ? blocked_ : Wrap(plain_, data); }
  // Memory for a primitive to write into; call Out afterwards.
  dnnl::memory Target(float* data) { return blocked_ ? blocked_ : Wrap(plain_, data); }
  void Out(float* data) {
    if (!blocked_) return;
    dnnl::memory p = Wrap(plain_, data);
    to_plain_->execute(Stream(), blocked_, p);
  }

 private:
  dnnl::memory::desc plain_, wanted_;
  dnnl::memory blocked_;
  std::optional<dnnl::reorder> to_blocked_, to_plain_;
};

dnnl::memory::desc AnyDesc(const dnnl::memory::desc& plain) {
  return dnnl::memory::desc(plain.dims(), dnnl::memory::data_type::f32, tag::any);
}

}  // namespace

struct Conv2DPrimitives::Entry {
  dnnl::memory::desc src, wei, bias, dst;  // plain
  std::vector<float> zero_bias;            // stands in for a missing bias
  std::optional<convolution_forward> fwd;
  Staged fwd_src, fwd_wei, fwd_dst;
  std::optional<convolution_backward_data> bwd_data;
  Staged bd_diff_dst, bd_wei, bd_diff_src;
  std::optional<convolution_backward_weights> bwd_weights;
  Staged bw_src, bw_diff_dst, bw_diff_wei;
};

Conv2DPrimitives::Conv2DPrimitives() = default;
Conv2DPrimitives::~Conv2DPrimitives() = default;

Conv2DPrimitives::Entry& Conv2DPrimitives::Get(const ref::ConvShape& s) {
  const auto& w = s.win;
  const std::array<int64_t, 16> key{s.n, s.c, s.h, s.w, s.oc, s.groups, w.kernel[0],
                                    w.kernel[1], w.stride[0], w.stride[1], w.pads[0],
                                    w.pads[1], w.pads[2], w.pads[3], w.dilation[0],
                                    w.dilation[1]};
  auto& slot = cache_[key];
  if (slot) return *slot;

  auto e = std::make_unique<Entry>();
  e->zero_bias.assign(s.oc, 0.0f);
  e->src = PlainDesc({s.n, s.c, s.h, s.w}, tag::nchw);
  e->dst = PlainDesc({s.n, s.oc, s.oh(), s.ow()}, tag::nchw);
  e->wei = s.groups == 1
               ? PlainDesc({s.oc, s.c, w.kernel[0], w.kernel[1]}, tag::oihw)
               : PlainDesc({s.groups, s.oc / s.groups, s.c / s.groups, w.kernel[0], w.kernel[1]},
                           tag::goihw);
  e->bias = PlainDesc({s.oc}, tag::x);
  const dnnl::memory::dims strides{w.stride[0], w.stride[1]},
      dilates{w.dilation[0] - 1, w.dilation[1] - 1}, pad_l{w.pads[0], w.pads[1]},
      pad_r{w.pads[2], w.pads[3]};
  const auto src = AnyDesc(e->src), wei = AnyDesc(e->wei), dst = AnyDesc(e->dst);

  // The forward always has a bias (zeros when the op has none): one primitive for both cases.
  convolution_forward::primitive_desc fwd_pd(
      convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, src,
                                wei, e->bias, dst, strides, dilates, pad_l, pad_r),
      Engine());
  e->fwd.emplace(fwd_pd);
  e->fwd_src = Staged(e->src, fwd_pd.src_desc());
  e->fwd_wei = Staged(e->wei, fwd_pd.weights_desc());
  e->fwd_dst = Staged(e->dst, fwd_pd.dst_desc());

  // oneDNN's blocked backward-data kernel is very slow for ordinary convolutions with 1-3
  // input channels (measured 150 ms vs 1 ms for a 1-channel 5x5 layer); plain layouts suit
  // those. Depthwise convolutions have their own fast blocked kernel (plain: 5 ms vs 0.2 ms).
  const bool thin = s.groups == 1 && s.c < 4;
  convolution_backward_data::primitive_desc bd_pd(
      convolution_backward_data::desc(algorithm::convolution_direct, thin ? e->src : src,
                                      thin ? e->wei : wei, thin ? e->dst : dst, strides, dilates,
                                      pad_l, pad_r),
      Engine(), fwd_pd);
  e->bwd_data.emplace(bd_pd);
  e->bd_diff_dst = Staged(e->dst, bd_pd.diff_dst_desc());
  e->bd_wei = Staged(e->wei, bd_pd.weights_desc());
  e->bd_diff_src = Staged(e->src, bd_pd.diff_src_desc());

  convolution_backward_weights::primitive_desc bw_pd(
      convolution_backward_weights::desc(algorithm::convolution_direct, src, wei, e->bias, dst,
                                         strides, dilates, pad_l, pad_r),
      Engine(), fwd_pd);
  e->bwd_weights.emplace(bw_pd);
  e->bw_src = Staged(e->src, bw_pd.src_desc());
  e->bw_diff_dst = Staged(e->dst, bw_pd.diff_dst_desc());
  e->bw_diff_wei = Staged(e->wei, bw_pd.diff_weights_desc());
  slot = std::move(e);
  return *slot;
}

void Conv2DPrimitives::Forward(const ref::ConvShape& s, const float* x, const float* w,
                               const float* b, float* y) {
  Entry& e = Get(s);
  e.fwd->execute(Stream(), {{DNNL_ARG_SRC, e.fwd_src.In(x)},
                            {DNNL_ARG_WEIGHTS, e.fwd_wei.In(w)},
                            {DNNL_ARG_BIAS, Wrap(e.bias, b ? b : e.zero_bias.data())},
                            {DNNL_ARG_DST, e.fwd_dst.Target(y)}});
  e.fwd_dst.Out(y);
  Stream().wait();
}

void Conv2DPrimitives::Backward(const ref::ConvShape& s, const float* x, const float* w,
                                const float* dy, float* dx, float* dw, float* db) {
  Entry& e = Get(s);
  if (dx) {
    // The forward staged these weights already when it wants the same layout.
    dnnl::memory wei = e.bd_wei.desc() == e.fwd_wei.desc() ? e.fwd_wei.Reuse(w) : e.bd_wei.In(w);
    e.bwd_data->execute(Stream(), {{DNNL_ARG_DIFF_DST, e.bd_diff_dst.In(dy)},
                                   {DNNL_ARG_WEIGHTS, wei},
                                   {DNNL_ARG_DIFF_SRC, e.bd_diff_src.Target(dx)}});
    e.bd_diff_src.Out(dx);
  }
  if (dw || db) {
    std::vector<float> unused_dw;
    if (!dw) {
      unused_dw.resize(e.wei.get_size() / sizeof(float));
      dw = unused_dw.data();
    }
    std::vector<float> unused_db;
    if (!db) {
      unused_db.resize(s.oc);
      db = unused_db.data();
    }
    dnnl::memory src = e.bw_src.desc() == e.fwd_src.desc() ? e.fwd_src.Reuse(x) : e.bw_src.In(x);
    dnnl::memory diff_dst = dx && e.bw_diff_dst.desc() == e.bd_diff_dst.desc()
                                ? e.bd_diff_dst.Reuse(dy)
                                : e.bw_diff_dst.In(dy);
    e.bwd_weights->execute(Stream(), {{DNNL_ARG_SRC, src},
                                      {DNNL_ARG_DIFF_DST, diff_dst},
                                      {DNNL_ARG_DIFF_WEIGHTS, e.bw_diff_wei.Target(dw)},
                                      {DNNL_ARG_DIFF_BIAS, Wrap(e.bias, db)}});
    e.bw_diff_wei.Out(dw);
  }
  Stream().wait();
}

}  // namespace qforge::onednn
