// NEON (64-bit Arm Advanced SIMD) requantization and vector traits: 4 int32 lanes, bit-exact
// with quant_math.h's MultiplyByQuantizedMultiplier. SaturatingRoundingDoublingHighMul is one
// instruction (sqrdmulh); RoundingDivideByPOT rounds halves away from zero where the rounding
// shift (srshl) rounds them up, so negative lanes are first lowered by one (saturating; the
// same fix-up as gemmlowp's and TFLite's NEON code). The traits serve the loop nests shared with
// x86 (kernels/simd/*.h). Included only by the files of kernels/arm/.
#pragma once

#include <arm_neon.h>

#include <cstdint>
#include <cstring>

namespace qforge::runtime::arm {

// MultiplyByQuantizedMultiplier(x, m, left - right) per lane (left, right >= 0).
inline int32x4_t MulByQuantizedMultiplier(int32x4_t x, int32x4_t m, int32x4_t left, int32x4_t right) {
  const int32x4_t high = vqrdmulhq_s32(vshlq_s32(x, left), m);
  const int32x4_t down = vnegq_s32(right);  // negative counts shift right
  // -1 where the lane is negative and the shift is not zero: x & -right has the sign bit then.
  const int32x4_t fixup = vshrq_n_s32(vandq_s32(high, down), 31);
  return vrshlq_s32(vqaddq_s32(high, fixup), down);
}

// clamp(MultiplyByQuantizedMultiplier(acc, m, left - right) + zp, lo, hi).
inline int32x4_t Requantize(int32x4_t acc, int32x4_t m, int32x4_t left, int32x4_t right, int32x4_t zp, int32x4_t lo,
                            int32x4_t hi) {
  return vminq_s32(vmaxq_s32(vaddq_s32(MulByQuantizedMultiplier(acc, m, left, right), zp), lo), hi);
}

// Eight lanes already clamped into int8, as bytes.
inline int8x8_t NarrowToBytes(int32x4_t low, int32x4_t high) {
  return vmovn_s16(vcombine_s16(vmovn_s32(low), vmovn_s32(high)));
}

struct Neon {
  using I = int32x4_t;
  static constexpr int kLanes = 4;
  static I Set1(int32_t v) { return vdupq_n_s32(v); }
  static I Load(const int32_t* p) { return vld1q_s32(p); }
  static I Widen(int32_t bytes) {  // four int8 in a word, sign-extended to int32 lanes
    return vmovl_s16(vget_low_s16(vmovl_s8(vreinterpret_s8_s32(vdup_n_s32(bytes)))));
  }
  static I LoadLanes(const int8_t* p) {  // all 4 bytes
    int32_t bytes;
    std::memcpy(&bytes, p, 4);
    return Widen(bytes);
  }
  static I LoadBytes(const int8_t* p, int n) {
    int32_t bytes = 0;
    std::memcpy(&bytes, p, static_cast<size_t>(n));  // n <= 4: never past the tensor
    return Widen(bytes);
  }
  static I Sub(I a, I b) { return vsubq_s32(a, b); }
  static I Add(I a, I b) { return vaddq_s32(a, b); }
  static I Mul(I a, I b) { return vmulq_s32(a, b); }
  static I ShiftLeft(I a, int bits) { return vshlq_s32(a, vdupq_n_s32(bits)); }
  static I MulByQuantizedMultiplier(I x, I m, I left, I right) { return arm::MulByQuantizedMultiplier(x, m, left, right); }
  // acc + x * w per lane, x in int16 range, w an int16 in the low half with the high half zero
  // (the x86 multiply-adds' operand): sign-extended from the low half first.
  static I MulAdd(I acc, I x, I w) { return vmlaq_s32(acc, x, vshrq_n_s32(vshlq_n_s32(w, 16), 16)); }
  static I Requantize(I acc, I m, I left, I right, I zp, I lo, I hi) {
    return arm::Requantize(acc, m, left, right, zp, lo, hi);
  }
  static void StoreBytes(int8_t* p, I v, int n) {
    const int8x8_t bytes = NarrowToBytes(v, v);
    int32_t word = vget_lane_s32(vreinterpret_s32_s8(bytes), 0);
    std::memcpy(p, &word, static_cast<size_t>(n));
  }
};

}  // namespace qforge::runtime::arm
