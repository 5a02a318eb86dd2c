// oneDNN convolution on plain NCHW / OIHW (GOIHW for groups) buffers.
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

struct Conv2DPrimitives::Entry {
  dnnl::memory::desc src, wei, bias, dst;
  std::vector<float> zero_bias;  // stands in for a missing bias
  convolution_forward::primitive_desc fwd_pd;
  std::optional<convolution_forward> fwd_training, fwd_inference;
  std::optional<convolution_backward_data> bwd_data;
  std::optional<convolution_backward_weights> bwd_weights, bwd_weights_bias;
};

Conv2DPrimitives::Conv2DPrimitives() = default;
Conv2DPrimitives::~Conv2DPrimitives() = default;

namespace {

struct ConvArgs {
  dnnl::memory::dims strides, dilates, pad_l, pad_r;
};

ConvArgs ArgsOf(const ref::ConvShape& s) {
  return {{s.win.stride[0], s.win.stride[1]},
          {s.win.dilation[0] - 1, s.win.dilation[1] - 1},
          {s.win.pads[0], s.win.pads[1]},
          {s.win.pads[2], s.win.pads[3]}};
}

// Forward always has a bias (a zero one stands in when the op has none), so one primitive
// serves both cases.
convolution_forward::desc ForwardDesc(prop_kind kind, const dnnl::memory::desc& src,
                                      const dnnl::memory::desc& wei,
                                      const dnnl::memory::desc& bias,
                                      const dnnl::memory::desc& dst, const ConvArgs& a) {
  return convolution_forward::desc(kind, algorithm::convolution_direct, src, wei, bias, dst,
                                   a.strides, a.dilates, a.pad_l, a.pad_r);
}

}  // namespace

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
  if (s.groups == 1) {
    e->wei = PlainDesc({s.oc, s.c, w.kernel[0], w.kernel[1]}, tag::oihw);
  } else {
    e->wei = PlainDesc({s.groups, s.oc / s.groups, s.c / s.groups, w.kernel[0], w.kernel[1]},
                       tag::goihw);
  }
  e->bias = PlainDesc({s.oc}, tag::x);
  const ConvArgs a = ArgsOf(s);

  e->fwd_pd = convolution_forward::primitive_desc(
      ForwardDesc(prop_kind::forward_training, e->src, e->wei, e->bias, e->dst, a), Engine());
  e->fwd_training.emplace(e->fwd_pd);
  e->fwd_inference.emplace(convolution_forward::primitive_desc(
      ForwardDesc(prop_kind::forward_inference, e->src, e->wei, e->bias, e->dst, a), Engine()));
  e->bwd_data.emplace(convolution_backward_data::primitive_desc(
      convolution_backward_data::desc(algorithm::convolution_direct, e->src, e->wei, e->dst,
                                      a.strides, a.dilates, a.pad_l, a.pad_r),
      Engine(), e->fwd_pd));
  e->bwd_weights.emplace(convolution_backward_weights::primitive_desc(
      convolution_backward_weights::desc(algorithm::convolution_direct, e->src, e->wei, e->dst,
                                         a.strides, a.dilates, a.pad_l, a.pad_r),
      Engine(), e->fwd_pd));
  e->bwd_weights_bias.emplace(convolution_backward_weights::primitive_desc(
      convolution_backward_weights::desc(algorithm::convolution_direct, e->src, e->wei, e->bias,
                                         e->dst, a.strides, a.dilates, a.pad_l, a.pad_r),
      Engine(), e->fwd_pd));
  slot = std::move(e);
  return *slot;
}

void Conv2DPrimitives::Forward(const ref::ConvShape& s, bool training, const float* x,
                               const float* w, const float* b, float* y) {
  Entry& e = Get(s);
  (training ? *e.fwd_training : *e.fwd_inference)
      .execute(Stream(), {{DNNL_ARG_SRC, Wrap(e.src, x)},
                          {DNNL_ARG_WEIGHTS, Wrap(e.wei, w)},
                          {DNNL_ARG_BIAS, Wrap(e.bias, b ? b : e.zero_bias.data())},
                          {DNNL_ARG_DST, Wrap(e.dst, y)}});
  Stream().wait();
}

void Conv2DPrimitives::BackwardData(const ref::ConvShape& s, const float* w, const float* dy,
                                    float* dx) {
  Entry& e = Get(s);
  e.bwd_data->execute(Stream(), {{DNNL_ARG_DIFF_DST, Wrap(e.dst, dy)},
                                 {DNNL_ARG_WEIGHTS, Wrap(e.wei, w)},
                                 {DNNL_ARG_DIFF_SRC, Wrap(e.src, dx)}});
  Stream().wait();
}

void Conv2DPrimitives::BackwardWeights(const ref::ConvShape& s, const float* x, const float* dy,
                                       float* dw, float* db) {
  Entry& e = Get(s);
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, Wrap(e.src, x)},
                                             {DNNL_ARG_DIFF_DST, Wrap(e.dst, dy)},
                                             {DNNL_ARG_DIFF_WEIGHTS, Wrap(e.wei, dw)}};
  if (db) {
    args.emplace(DNNL_ARG_DIFF_BIAS, Wrap(e.bias, db));
    e.bwd_weights_bias->execute(Stream(), args);
  } else {
    e.bwd_weights->execute(Stream(), args);
  }
  Stream().wait();
}

}  // namespace qforge::onednn
