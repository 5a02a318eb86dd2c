// Window geometry shared by convolution and pooling (NCHW): strides, explicit pads, dilation,
// and the output size they give.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "core/status.h"

namespace qforge {

struct Window2D {
  std::array<int64_t, 2> kernel{1, 1};    // kh, kw
  std::array<int64_t, 2> stride{1, 1};    // sh, sw
  std::array<int64_t, 4> pads{0, 0, 0, 0};  // top, left, bottom, right
  std::array<int64_t, 2> dilation{1, 1};  // dh, dw

  int64_t OutH(int64_t h) const {
    return (h + pads[0] + pads[2] - dilation[0] * (kernel[0] - 1) - 1) / stride[0] + 1;
  }
  int64_t OutW(int64_t w) const {
    return (w + pads[1] + pads[3] - dilation[1] * (kernel[1] - 1) - 1) / stride[1] + 1;
  }
  // Checks the attributes and that the window fits an h x w image.
  Status Validate(int64_t h, int64_t w) const;
  // Pads for TensorFlow-style "same" output (ceil(in / stride)); the extra pad goes
  // bottom/right.
  static std::array<int64_t, 4> SamePads(int64_t h, int64_t w, std::array<int64_t, 2> kernel,
                                         std::array<int64_t, 2> stride,
                                         std::array<int64_t, 2> dilation);
};

nlohmann::json WindowToJson(const Window2D& win);
StatusOr<Window2D> WindowFromJson(const nlohmann::json& j);

}  // namespace qforge
