// Preparers of CONCATENATION, RESHAPE, CHANNEL_SHUFFLE, SLICE, RESIZE and INSERT_ZEROS: data movement (a
// bilinear resize blends neighbours) whose quantized operands share one scale and zero point —
// but for a concatenation input on a grid of its own, which is first requantized to the
// output's (as TFLite does).
#include <array>
#include <cstring>
#include <functional>
#include <memory>
#include <vector>

#include "runtime/kernels/kernel_family.h"
#include "runtime/kernels/ref/channel_ref.h"
#include "runtime/kernels/ref/concat_ref.h"
#include "runtime/kernels/ref/elementwise_ref.h"
#include "runtime/kernels/ref/resize_ref.h"
#include "runtime/kernels/shuffle.h"
#include "runtime/model/model.h"
#include "runtime/ops/op_checks.h"
#include "runtime/ops/preparers.h"

namespace qforge::runtime::ops {
namespace {

// A kernel requantizing quantized tensor `in` to `out`'s grid into a buffer it owns; *data is
// then that buffer.
StatusOr<std::function<void()>> RequantizeInto(const PrepareContext& c, const RuntimeTensor& in,
                                               const RuntimeTensor& out, const uint8_t** data) {
  QF_ASSIGN_OR_RETURN(const RequantizeParams p, MakeRequantizeParams(c, in, out));
  const int64_t n = in.elements;
  auto scratch = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(in.bytes));
  *data = scratch->data();
  if (out.dtype == qfm::DType::INT16) {
    const int16_t* x = in.as<int16_t>();
    return std::function<void()>(
        [p, n, x, scratch] { ref::Requantize(p, n, x, reinterpret_cast<int16_t*>(scratch->data())); });
  }
  const int8_t* x = in.as<int8_t>();
  return std::function<void()>([p, n, x, scratch] { ref::Requantize(p, n, x, reinterpret_cast<int8_t*>(scratch->data())); });
}

Prepared PrepareConcatenation(const PrepareContext& c) {
  QF_RETURN_IF_ERROR(CheckArity(c, 1, 64, 1));
  const RuntimeTensor& out = *c.outputs[0];
  const int rank = static_cast<int>(out.shape.size());
  int axis = c.op->options_as_ConcatenationOptions()->axis();
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return c.Error("axis is outside the output's rank");
  int64_t outer = 1, inner_elements = 1;
  for (int d = 0; d < axis; ++d) outer *= out.shape[d];
  for (int d = axis + 1; d < rank; ++d) inner_elements *= out.shape[d];
  std::vector<int64_t> inner_bytes;
  std::vector<const uint8_t*> inputs;
  std::vector<std::function<void()>> requantize;  // inputs on their own grids, into scratch
  int axis_total = 0;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    QF_RETURN_IF_ERROR(CheckPresent(c, {i}));
    const RuntimeTensor& in = *c.inputs[i];
    QF_RETURN_IF_ERROR(CheckConstant(c, in, false));
    QF_RETURN_IF_ERROR(CheckDType(c, in, {out.dtype}));
    const bool quantized = out.dtype == qfm::DType::INT8 || out.dtype == qfm::DType::INT16;
    const bool same_grid = in.scale == out.scale && in.zero_point == out.zero_point && in.bits == out.bits;
    const uint8_t* data = in.data;
    if (!quantized) QF_RETURN_IF_ERROR(CheckSameQuantization(c, in, out));
    if (quantized && !same_grid) {
      QF_ASSIGN_OR_RETURN(requantize.emplace_back(), RequantizeInto(c, in, out, &data));
    }
    bool fits = in.shape.size() == out.shape.size();
    for (int d = 0; fits && d < rank; ++d) fits = d == axis || in.shape[d] == out.shape[d];
    if (!fits) return c.Error("input " + ShapeString(in.shape) + " does not fit output " + ShapeString(out.shape));
    axis_total += in.shape[axis];
    inner_bytes.push_back(in.shape[axis] * inner_elements * DTypeSize(in.dtype));
    inputs.push_back(data);
  }
  if (axis_total != out.shape[axis]) return c.Error("inputs do not add up to the output's size along the axis");
  uint8_t* y = out.data;
  return std::make_unique<OpKernel>([outer, inner_bytes, inputs, y, requantize] {
    for (const auto& r : requantize) r();
    ref::Concatenation(outer, inner_bytes, inputs, y);
  });
}

Prepared PrepareReshape(const PrepareContext& c) {
  QF_RETURN_IF_ERROR(CheckArity(c, 1, 1, 1));
  QF_RETURN_IF_ERROR(CheckPresent(c, {0}));
  const RuntimeTensor &in = *c.inputs[0], &out = *c.outputs[0];
  QF_RETURN_IF_ERROR(CheckConstant(c, in, false));
  QF_RETURN_IF_ERROR(CheckSameQuantization(c, in, out));
  if (in.elements != out.elements || in.shape[0] != out.shape[0])
    return c.Error("cannot reshape " + ShapeString(in.shape) + " to " + ShapeString(out.shape));
  const uint8_t* x = in.data;
  uint8_t* y = out.data;
  const auto bytes = static_cast<size_t>(out.bytes);
  return std::make_unique<OpKernel>([x, y, bytes] { std::memcpy(y, x, bytes); });
}

// A one-input data movement: same dtype and quantization in and out.
Status CheckMove(const PrepareContext& c) {
  QF_RETURN_IF_ERROR(CheckArity(c, 1, 1, 1));
  QF_RETURN_IF_ERROR(CheckPresent(c, {0}));
  QF_RETURN_IF_ERROR(CheckConstant(c, *c.inputs[0], false));
  QF_RETURN_IF_ERROR(CheckDType(c, *c.inputs[0], {c.outputs[0]->dtype}));
  return CheckSameQuantization(c, *c.inputs[0], *c.outputs[0]);
}

Prepared PrepareChannelShuffle(const PrepareContext& c) {
  QF_RETURN_IF_ERROR(CheckMove(c));
  const RuntimeTensor &in = *c.inputs[0], &out = *c.outputs[0];
  QF_RETURN_IF_ERROR(CheckSameShape(c, in, out));
  const int groups = c.op->options_as_ChannelShuffleOptions()->groups();
  const int channels = out.shape.back();
  if (groups < 1 || channels % groups != 0)
    return c.Error(std::to_string(channels) + " channels do not split into " + std::to_string(groups) + " groups");
  std::vector<int32_t> source(channels);
  const int per_group = channels / groups;
  for (int k = 0; k < channels; ++k) source[k] = (k % groups) * per_group + k / groups;
  const int64_t pixels = out.elements / std::max(channels, 1);
  const int bytes = DTypeSize(out.dtype);
  const uint8_t* x = in.data;
  uint8_t* y = out.data;
  const ShuffleKernel& kernel = BestKernel(ShuffleKernels(), c.isa);
  if (groups == 2 && bytes == 1 && !IsReference(kernel)) {
    const ShuffleRun run = kernel.run;
    return std::make_unique<OpKernel>([pixels, channels, x, y, run] { run(pixels, channels, x, y); }, kernel.name);
  }
  return std::make_unique<OpKernel>(
      [pixels, channels, source, bytes, x, y] { ref::GatherChannels(pixels, channels, source, bytes, x, y); });
}

Prepared PrepareSlice(const PrepareContext& c) {
  QF_RETURN_IF_ERROR(CheckMove(c));
  const RuntimeTensor &in = *c.inputs[0], &out = *c.outputs[0];
  const qfm::SliceOptions* o = c.op->options_as_SliceOptions();
  const int rank = static_cast<int>(in.shape.size());
  const int axis = o->axis() < 0 ? o->axis() + rank : o->axis();
  if (axis < 1 || axis >= rank) return c.Error("axis must be one of the input's non-batch axes");
  const int begin = o->begin(), end = o->end();
  if (begin < 0 || end <= begin || end > in.shape[axis])
    return c.Error("the range [" + std::to_string(begin) + ", " + std::to_string(end) + ") is outside " +
                   ShapeString(in.shape) + " along axis " + std::to_string(axis));
  std::vector<int> want = in.shape;
  want[axis] = end - begin;
  if (out.shape != want) return c.Error("output " + ShapeString(out.shape) + " should be " + ShapeString(want));
  int64_t outer = 1, inner = DTypeSize(in.dtype);
  for (int d = 0; d < axis; ++d) outer *= in.shape[d];
  for (int d = axis + 1; d < rank; ++d) inner *= in.shape[d];
  const int64_t size = in.shape[axis];
  const uint8_t* x = in.data;
  uint8_t* y = out.data;
  return std::make_unique<OpKernel>([outer, size, begin, end, inner, x, y] { ref::Slice(outer, size, begin, end, inner, x, y); });
}

Prepared PrepareResize(const PrepareContext& c) {
  QF_RETURN_IF_ERROR(CheckMove(c));
  const RuntimeTensor &in = *c.inputs[0], &out = *c.outputs[0];
  if (in.shape.size() != 4 || out.shape.size() != 4 || in.shape[0] != out.shape[0] || in.shape[3] != out.shape[3])
    return c.Error("resizes [N, H, W, C] to [N, H', W', C], not " + ShapeString(in.shape) + " to " + ShapeString(out.shape));
  const qfm::ResizeOptions* o = c.op->options_as_ResizeOptions();
  const auto coordinates = static_cast<int>(o->coordinates()), rounding = static_cast<int>(o->nearest_rounding());
  if (coordinates < 0 || coordinates > 3 || rounding < 0 || rounding > 3) return c.Error("unknown resize mode");
  const ref::ResizeShape s{in.shape[0], in.shape[1], in.shape[2], out.shape[1], out.shape[2], in.shape[3]};
  const auto taps = [&](int64_t from, int64_t to) {
    return ref::ResizeTaps(from, to, o->bilinear(), static_cast<ref::ResizeCoordinates>(coordinates),
                           static_cast<ref::NearestRounding>(rounding));
  };
  const std::vector<ref::ResizeTap> rows = taps(s.in_h, s.out_h), cols = taps(s.in_w, s.out_w);
  switch (in.dtype) {
    case qfm::DType::FLOAT32: {
      const float* x = in.as<float>();
      float* y = out.as<float>();
      return std::make_unique<OpKernel>([s, rows, cols, x, y] { ref::ResizeFloat(s, rows, cols, x, y); });
    }
    case qfm::DType::INT8: {
      const int8_t* x = in.as<int8_t>();
      int8_t* y = out.as<int8_t>();
      return std::make_unique<OpKernel>(
          [s, r = ref::ToFixed(rows), k = ref::ToFixed(cols), x, y] { ref::ResizeQuantized(s, r, k, x, y); });
    }
    case qfm::DType::INT16: {
      const int16_t* x = in.as<int16_t>();
      int16_t* y = out.as<int16_t>();
      return std::make_unique<OpKernel>(
          [s, r = ref::ToFixed(rows), k = ref::ToFixed(cols), x, y] { ref::ResizeQuantized(s, r, k, x, y); });
    }
    default: return c.Error(std::string("has no kernel for type ") + qfm::EnumNameDType(in.dtype));
  }
}

Prepared PrepareInsertZeros(const PrepareContext& c) {
  QF_RETURN_IF_ERROR(CheckMove(c));
  const RuntimeTensor &in = *c.inputs[0], &out = *c.outputs[0];
  const qfm::InsertZerosOptions* o = c.op->options_as_InsertZerosOptions();
  const int sh = o->stride_h(), sw = o->stride_w();
  if (sh < 1 || sw < 1 || sh > 64 || sw > 64) return c.Error("strides must be 1..64");
  if (in.shape.size() != 4 ||
      out.shape != std::vector<int>{in.shape[0], (in.shape[1] - 1) * sh + 1, (in.shape[2] - 1) * sw + 1, in.shape[3]})
    return c.Error("output " + ShapeString(out.shape) + " is not input " + ShapeString(in.shape) + " spread by the strides");
  const ref::ResizeShape s{in.shape[0], in.shape[1], in.shape[2], out.shape[1], out.shape[2], in.shape[3]};
  const int bytes = DTypeSize(in.dtype);
  std::array<uint8_t, 4> zero{};  // 0.0f, or the zero point in the element's bytes
  if (in.dtype == qfm::DType::INT8) zero[0] = static_cast<uint8_t>(static_cast<int8_t>(in.zero_point.at(0)));
  if (in.dtype == qfm::DType::INT16) {
    const auto z = static_cast<int16_t>(in.zero_point.at(0));
    std::memcpy(zero.data(), &z, sizeof z);
  }
  if (in.dtype != qfm::DType::FLOAT32 && in.dtype != qfm::DType::INT8 && in.dtype != qfm::DType::INT16)
    return c.Error(std::string("has no kernel for type ") + qfm::EnumNameDType(in.dtype));
  const uint8_t* x = in.data;
  uint8_t* y = out.data;
  return std::make_unique<OpKernel>([s, sh, sw, bytes, zero, x, y] { ref::InsertZeros(s, sh, sw, bytes, zero.data(), x, y); });
}

}  // namespace

const std::vector<OpPreparer>& ShapePreparers() {
  static const std::vector<OpPreparer> table = {
      {qfm::OpType::CONCATENATION, PrepareConcatenation},
      {qfm::OpType::RESHAPE, PrepareReshape},
      {qfm::OpType::CHANNEL_SHUFFLE, PrepareChannelShuffle},
      {qfm::OpType::SLICE, PrepareSlice},
      {qfm::OpType::RESIZE, PrepareResize},
      {qfm::OpType::INSERT_ZEROS, PrepareInsertZeros},
  };
  return table;
}

}  // namespace qforge::runtime::ops
