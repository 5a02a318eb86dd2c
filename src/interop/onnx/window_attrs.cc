// ONNX window attributes -> Window2D (see window_attrs.h).
#include "interop/onnx/window_attrs.h"

namespace qforge::onnx_import {
namespace {

StatusOr<std::array<int64_t, 2>> Pair(NodeAttrs& attrs, const std::string& name, std::array<int64_t, 2> def) {
  const std::vector<int64_t> v = attrs.Ints(name, {def[0], def[1]});
  if (v.size() != 2) return InvalidArgument("{} must have 2 entries for a 2-D window, has {}", name, v.size());
  if (v[0] < 1 || v[1] < 1) return InvalidArgument("{} must be positive", name);
  return std::array<int64_t, 2>{v[0], v[1]};
}

}  // namespace

StatusOr<Window2D> ReadWindow(NodeAttrs& attrs, const Shape& input, std::array<int64_t, 2> kernel, bool pooling) {
  if (input.size() != 4) return InvalidArgument("the input must be 4-D (NCHW), is {}-D", input.size());
  Window2D w;
  if (attrs.Has("kernel_shape")) {
    QF_ASSIGN_OR_RETURN(w.kernel, Pair(attrs, "kernel_shape", kernel));
    if (!pooling && w.kernel != kernel)
      return InvalidArgument("kernel_shape {}x{} disagrees with the weights' {}x{}", w.kernel[0], w.kernel[1], kernel[0],
                             kernel[1]);
  } else if (pooling) {
    return InvalidArgument("kernel_shape is required");
  } else {
    w.kernel = kernel;
  }
  QF_ASSIGN_OR_RETURN(w.stride, Pair(attrs, "strides", {1, 1}));
  QF_ASSIGN_OR_RETURN(w.dilation, Pair(attrs, "dilations", {1, 1}));
  const int64_t h = input[2], wd = input[3];
  const std::string auto_pad = attrs.String("auto_pad", "NOTSET");
  if (auto_pad == "NOTSET") {
    const std::vector<int64_t> p = attrs.Ints("pads", {0, 0, 0, 0});
    if (p.size() != 4) return InvalidArgument("pads must have 4 entries for a 2-D window, has {}", p.size());
    for (int64_t v : p)
      if (v < 0) return InvalidArgument("negative pads are not supported");
    w.pads = {p[0], p[1], p[2], p[3]};
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    w.pads = Window2D::SamePads(h, wd, w.kernel, w.stride, w.dilation);  // the extra pad at the end
    if (auto_pad == "SAME_LOWER") {
      std::swap(w.pads[0], w.pads[2]);
      std::swap(w.pads[1], w.pads[3]);
    }
  } else if (auto_pad != "VALID") {
    return InvalidArgument("auto_pad '{}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID", auto_pad);
  }
  if (pooling && attrs.Int("ceil_mode", 0) != 0) {
    const std::array<int64_t, 2> in{h, wd};
    for (int d = 0; d < 2; ++d) {
      const int64_t extent = in[d] + w.pads[d] + w.pads[d + 2], span = w.dilation[d] * (w.kernel[d] - 1) + 1;
      if (extent < span) break;  // Validate reports the window that does not fit
      int64_t out = (extent - span + w.stride[d] - 1) / w.stride[d] + 1;
      if ((out - 1) * w.stride[d] >= in[d] + w.pads[d]) --out;
      w.pads[d + 2] += std::max<int64_t>(0, (out - 1) * w.stride[d] + span - extent);
    }
  }
  QF_RETURN_IF_ERROR(attrs.status());
  QF_RETURN_IF_ERROR(w.Validate(h, wd));
  return w;
}

}  // namespace qforge::onnx_import
