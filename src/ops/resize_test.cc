// Resize: hand-checked nearest and bilinear values for ONNX's coordinate modes, and gradients.
#include <gtest/gtest.h>

#include "ops/op_test_harness.h"

namespace qforge::testing {
namespace {

Tensor Plane(int64_t h, int64_t w, std::vector<float> v) {
  Tensor t({1, 1, h, w});
  for (int64_t i = 0; i < h * w; ++i) t[i] = v[i];
  return t;
}

std::vector<float> Values(const Tensor& t) { return std::vector<float>(t.data(), t.data() + t.size()); }

TEST(Resize, NearestAsPyTorchExportsIt) {
  // nn.Upsample(scale_factor=2, mode="nearest"): asymmetric coordinates, floor.
  std::vector<Tensor> x{Plane(2, 2, {1, 2, 3, 4})};
  Tensor y = RunForward(*MakeOp("Resize", {{"mode", "nearest"}, {"coordinates", "asymmetric"},
                                           {"nearest_rounding", "floor"}, {"height", 4}, {"width", 4}}), x, {});
  EXPECT_EQ(Values(y), (std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));
  // 3 -> 2 with half_pixel and round_prefer_floor (ONNX's defaults): positions 0.25, 1.75 -> 0, 2.
  std::vector<Tensor> row{Plane(1, 3, {5, 6, 7})};
  Tensor down = RunForward(*MakeOp("Resize", {{"height", 1}, {"width", 2}}), row, {});
  EXPECT_EQ(Values(down), (std::vector<float>{5, 7}));
}

TEST(Resize, BilinearCoordinateModes) {
  std::vector<Tensor> x{Plane(1, 2, {0, 8})};
  auto resize = [&](const char* coordinates) {
    return Values(RunForward(*MakeOp("Resize", {{"mode", "bilinear"}, {"coordinates", coordinates}, {"height", 1},
                                                {"width", 4}}), x, {}));
  };
  // half_pixel: positions -0.25 (clamped), 0.25, 0.75, 1.25 (clamped).
  EXPECT_EQ(resize("half_pixel"), (std::vector<float>{0, 2, 6, 8}));
  // align_corners: positions 0, 1/3, 2/3, 1.
  const std::vector<float> corners = resize("align_corners");
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(corners[i], 8.0f * i / 3, 1e-5f);
  // asymmetric: positions 0, 0.5, 1, 1.5 (clamped).
  EXPECT_EQ(resize("asymmetric"), (std::vector<float>{0, 4, 8, 8}));
}

TEST(Resize, GradientsAndBadAttributes) {
  Rng rng(7);
  std::vector<Tensor> x{RandomTensor({2, 3, 3, 4}, rng)};
  CheckGradients(*MakeOp("Resize", {{"mode", "bilinear"}, {"height", 5}, {"width", 7}}), x, {0});
  CheckGradients(*MakeOp("Resize", {{"mode", "bilinear"}, {"coordinates", "align_corners"}, {"height", 2}, {"width", 9}}),
                 x, {0});
  CheckGradients(*MakeOp("Resize", {{"mode", "nearest"}, {"height", 6}, {"width", 8}}), x, {0});
  EXPECT_FALSE(CreateOp("Resize", {{"mode", "cubic"}, {"height", 2}, {"width", 2}}).ok());
  EXPECT_FALSE(CreateOp("Resize", {{"coordinates", "tf_crop_and_resize"}, {"height", 2}, {"width", 2}}).ok());
  EXPECT_FALSE(CreateOp("Resize", {{"height", 0}, {"width", 2}}).ok());
  EXPECT_FALSE(MakeOp("Resize", {{"height", 2}, {"width", 2}})->InferShape({{-1, 4}}).ok());
}

}  // namespace
}  // namespace qforge::testing
