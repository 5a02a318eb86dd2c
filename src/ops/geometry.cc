// Window geometry validation and (de)serialization.
#include "ops/geometry.h"

#include <algorithm>

namespace qforge {

Status Window2D::Validate(int64_t h, int64_t w) const {
  for (int i = 0; i < 2; ++i) {
    if (kernel[i] < 1 || stride[i] < 1 || dilation[i] < 1)
      return InvalidArgument("kernel, stride and dilation must be >= 1");
  }
  for (int64_t p : pads) {
    if (p < 0) return InvalidArgument("pads must be >= 0");
  }
  if (pads[0] >= dilation[0] * (kernel[0] - 1) + 1 || pads[2] >= dilation[0] * (kernel[0] - 1) + 1 ||
      pads[1] >= dilation[1] * (kernel[1] - 1) + 1 || pads[3] >= dilation[1] * (kernel[1] - 1) + 1)
    return InvalidArgument("a pad is as large as the (dilated) kernel");
  if (h >= 0 && OutH(h) < 1) return InvalidArgument("window taller than the padded input ({})", h);
  if (w >= 0 && OutW(w) < 1) return InvalidArgument("window wider than the padded input ({})", w);
  return Status::Ok();
}

std::array<int64_t, 4> Window2D::SamePads(int64_t h, int64_t w, std::array<int64_t, 2> kernel,
                                          std::array<int64_t, 2> stride,
                                          std::array<int64_t, 2> dilation) {
  auto total = [](int64_t in, int64_t k, int64_t s, int64_t d) {
    const int64_t out = (in + s - 1) / s;
    return std::max<int64_t>(0, (out - 1) * s + d * (k - 1) + 1 - in);
  };
  const int64_t th = total(h, kernel[0], stride[0], dilation[0]);
  const int64_t tw = total(w, kernel[1], stride[1], dilation[1]);
  return {th / 2, tw / 2, th - th / 2, tw - tw / 2};
}

nlohmann::json WindowToJson(const Window2D& win) {
  return {{"kernel", win.kernel}, {"stride", win.stride}, {"pads", win.pads},
          {"dilation", win.dilation}};
}

namespace {

// Reads j[key] into `out` if present; the list must have exactly N integers.
template <size_t N>
Status ReadFixedList(const nlohmann::json& j, const char* key, std::array<int64_t, N>& out) {
  if (!j.contains(key)) return Status::Ok();
  const auto& v = j.at(key);
  if (!v.is_array() || v.size() != N)
    return InvalidArgument("window attribute '{}' must be a list of {} integers", key, N);
  for (size_t i = 0; i < N; ++i) {
    if (!v[i].is_number_integer())
      return InvalidArgument("window attribute '{}' must be a list of {} integers", key, N);
    out[i] = v[i].get<int64_t>();
  }
  return Status::Ok();
}

}  // namespace

StatusOr<Window2D> WindowFromJson(const nlohmann::json& j) {
  Window2D win;
  QF_RETURN_IF_ERROR(ReadFixedList(j, "kernel", win.kernel));
  QF_RETURN_IF_ERROR(ReadFixedList(j, "stride", win.stride));
  QF_RETURN_IF_ERROR(ReadFixedList(j, "pads", win.pads));
  QF_RETURN_IF_ERROR(ReadFixedList(j, "dilation", win.dilation));
  QF_RETURN_IF_ERROR(win.Validate(-1, -1));
  return win;
}

}  // namespace qforge
