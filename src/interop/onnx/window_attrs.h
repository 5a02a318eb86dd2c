// Convolution and pooling windows from ONNX attributes: kernel_shape, strides, dilations, pads
// or auto_pad, and ceil_mode, resolved against the input's spatial size into qforge's explicit
// Window2D.
#pragma once

#include "interop/onnx/import_context.h"
#include "ops/geometry.h"

namespace qforge::onnx_import {

// `kernel` is the kernel size the weights imply ({0, 0} for pooling: kernel_shape is then
// required). ceil_mode (pooling) becomes extra bottom/right padding, as PyTorch computes it: the
// last window must start inside the input or its leading padding.
StatusOr<Window2D> ReadWindow(NodeAttrs& attrs, const Shape& input, std::array<int64_t, 2> kernel, bool pooling);

}  // namespace qforge::onnx_import
