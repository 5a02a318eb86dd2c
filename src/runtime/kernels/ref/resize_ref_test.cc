// Golden values for the reference RESIZE (taps of each coordinate mode, the Q10 bilinear
// rounding of int8 — half up, on the input's grid —, nearest copies, float) and INSERT_ZEROS.
#include <gtest/gtest.h>

#include <vector>

#include "runtime/kernels/ref/resize_ref.h"

namespace qforge::runtime::ref {
namespace {

TEST(ResizeRef, TapsOfEachMode) {
  // 2 -> 4, half_pixel: positions -0.25, 0.25, 0.75, 1.25, clamped to [0, 1].
  auto t = ResizeTaps(2, 4, true, ResizeCoordinates::kHalfPixel, NearestRounding::kFloor);
  EXPECT_EQ(t[0].i0, 0);
  EXPECT_EQ(t[0].w1, 0.0);
  EXPECT_EQ(t[1].i1, 1);
  EXPECT_DOUBLE_EQ(t[1].w1, 0.25);
  EXPECT_DOUBLE_EQ(t[2].w1, 0.75);
  EXPECT_EQ(t[3].i0, 1);
  // 4 -> 2 nearest, half_pixel: positions 0.5 and 2.5 -> round_prefer_floor 0, 2; ceil-preferring 1, 3.
  auto floor_half = ResizeTaps(4, 2, false, ResizeCoordinates::kHalfPixel, NearestRounding::kRoundPreferFloor);
  auto ceil_half = ResizeTaps(4, 2, false, ResizeCoordinates::kHalfPixel, NearestRounding::kRoundPreferCeil);
  EXPECT_EQ(floor_half[0].i0, 0);
  EXPECT_EQ(floor_half[1].i0, 2);
  EXPECT_EQ(ceil_half[0].i0, 1);
  EXPECT_EQ(ceil_half[1].i0, 3);
  // align_corners 3 -> 5: positions 0, 0.5, 1, 1.5, 2.
  auto corners = ResizeTaps(3, 5, true, ResizeCoordinates::kAlignCorners, NearestRounding::kFloor);
  EXPECT_DOUBLE_EQ(corners[1].w1, 0.5);
  EXPECT_EQ(corners[4].i0, 2);
  // pytorch_half_pixel to one sample reads sample 0; half_pixel reads the middle.
  EXPECT_EQ(ResizeTaps(3, 1, false, ResizeCoordinates::kPytorchHalfPixel, NearestRounding::kFloor)[0].i0, 0);
  EXPECT_EQ(ResizeTaps(3, 1, false, ResizeCoordinates::kHalfPixel, NearestRounding::kFloor)[0].i0, 1);
}

TEST(ResizeRef, Int8BilinearRoundsHalfUpOnTheInputGrid) {
  // One row 1 x 2 -> 1 x 4 (half_pixel), one channel: weights 0, 1/4, 3/4, 1 of the second sample.
  const ResizeShape s{1, 1, 2, 1, 4, 1};
  const auto rows = ToFixed(ResizeTaps(1, 1, true, ResizeCoordinates::kHalfPixel, NearestRounding::kFloor));
  const auto cols = ToFixed(ResizeTaps(2, 4, true, ResizeCoordinates::kHalfPixel, NearestRounding::kFloor));
  EXPECT_EQ(cols[1].w1, 256);
  std::vector<int8_t> in{-7, 2}, out(4);
  ResizeQuantized(s, rows, cols, in.data(), out.data());
  // -7 + 9/4 = -4.75 -> -5 and -7 + 27/4 = -0.25 -> 0, rounding half up.
  EXPECT_EQ(out, (std::vector<int8_t>{-7, -5, 0, 2}));
  std::vector<int8_t> half{-3, -2}, got(4);
  ResizeQuantized(s, rows, cols, half.data(), got.data());
  // -3 + 1/4 = -2.75 -> -3; -3 + 3/4 = -2.25 -> -2.
  EXPECT_EQ(got, (std::vector<int8_t>{-3, -3, -2, -2}));
  // Nearest copies whole pixels of every channel: 2 x 1 x 2 channels -> 4 x 1 (asymmetric floor).
  const ResizeShape n{1, 2, 1, 4, 1, 2};
  const auto near_rows = ToFixed(ResizeTaps(2, 4, false, ResizeCoordinates::kAsymmetric, NearestRounding::kFloor));
  const auto near_cols = ToFixed(ResizeTaps(1, 1, false, ResizeCoordinates::kAsymmetric, NearestRounding::kFloor));
  std::vector<int16_t> pix{1, -1, 100, -100}, up(8);
  ResizeQuantized(n, near_rows, near_cols, pix.data(), up.data());
  EXPECT_EQ(up, (std::vector<int16_t>{1, -1, 1, -1, 100, -100, 100, -100}));
}

TEST(InsertZerosRef, SpreadsPixelsWithTheZeroPointBetween) {
  // 2 x 2 pixels of 2 channels, strides 2 and 1 -> 3 x 2; the int8 zero point is -5.
  const ResizeShape s{1, 2, 2, 3, 2, 2};
  std::vector<int8_t> in{1, 2, 3, 4, 5, 6, 7, 8}, out(12);
  const uint8_t zero = static_cast<uint8_t>(int8_t{-5});
  InsertZeros(s, 2, 1, 1, &zero, reinterpret_cast<const uint8_t*>(in.data()), reinterpret_cast<uint8_t*>(out.data()));
  EXPECT_EQ(out, (std::vector<int8_t>{1, 2, 3, 4, -5, -5, -5, -5, 5, 6, 7, 8}));
}

TEST(ResizeRef, FloatBlendsFourNeighbours) {
  // 2 x 2 -> 3 x 3 align_corners: the centre is the mean of the four corners.
  const ResizeShape s{1, 2, 2, 3, 3, 1};
  const auto taps = ResizeTaps(2, 3, true, ResizeCoordinates::kAlignCorners, NearestRounding::kFloor);
  std::vector<float> in{1, 2, 3, 10}, out(9);
  ResizeFloat(s, taps, taps, in.data(), out.data());
  EXPECT_FLOAT_EQ(out[4], 4.0f);
  EXPECT_FLOAT_EQ(out[1], 1.5f);
  EXPECT_FLOAT_EQ(out[8], 10.0f);
}

}  // namespace
}  // namespace qforge::runtime::ref
