// TFLite exporters of the operators that move values: CONCATENATION (inputs on another grid
// requantized first: TFLite's int8 concatenation keeps one grid), RESHAPE (the batch left free),
// CHANNEL_SHUFFLE as RESHAPE-TRANSPOSE-RESHAPE, SLICE, RESIZE as RESIZE_BILINEAR or
// RESIZE_NEAREST_NEIGHBOR where TFLite has the .qfm's coordinate mode, and INSERT_ZEROS as a
// TRANSPOSE_CONV with a 1x1 identity kernel (exact: an int8 identity of 127 at scale 1/127).
#include <fmt/format.h>

#include "interop/tflite/tflite_ops.h"

namespace qforge::tflite_export {
namespace {

Status ExportConcat(TfliteBuilder& b, const QfmOp& op) {
  const int out = op.outputs[0];
  const QfmTensor& y = b.tensor(out);
  std::vector<int> inputs;
  for (int in : op.inputs) {
    const QfmTensor& x = b.tensor(in);
    if (!y.quantized() || (x.scale == y.scale && x.zero_point == y.zero_point && x.bits == y.bits)) {
      inputs.push_back(b.Tensor(in));
      continue;
    }
    const TensorQuant q{y.scale, y.zero_point, 0};
    const int moved = b.NewTensor(x.name + "/on_" + y.name, TfliteType(x.dtype), x.shape, &q);
    QuantizeInto(b, b.Tensor(in), moved);
    inputs.push_back(moved);
  }
  const int rank = static_cast<int>(y.shape.size());
  const int axis = op.flat->options_as_ConcatenationOptions()->axis();
  b.Op(tfl::BuiltinOperator::CONCATENATION, inputs, {b.Tensor(out)}, tfl::BuiltinOptions::ConcatenationOptions,
       tfl::CreateConcatenationOptions(b.fbb(), axis < 0 ? axis + rank : axis).Union());
  return Status::Ok();
}

Status ExportReshape(TfliteBuilder& b, const QfmOp& op) {
  const QfmTensor& y = b.tensor(op.outputs[0]);
  std::vector<int32_t> shape(y.shape.begin(), y.shape.end());
  shape[0] = -1;  // the batch
  b.Op(tfl::BuiltinOperator::RESHAPE, {b.Tensor(op.inputs[0]), b.Int32s(y.name + "/shape", shape)},
       {b.Tensor(op.outputs[0])}, tfl::BuiltinOptions::ReshapeOptions,
       tfl::CreateReshapeOptions(b.fbb(), b.fbb().CreateVector(shape)).Union());
  return Status::Ok();
}

// Channels seen as [groups, C / groups] and transposed: RESHAPE to [N, pixels, groups, C / groups],
// TRANSPOSE the last two, RESHAPE back (four dimensions at most, for the runtimes that stop there).
Status ExportChannelShuffle(TfliteBuilder& b, const QfmOp& op) {
  const QfmTensor& y = b.tensor(op.outputs[0]);
  const int groups = op.flat->options_as_ChannelShuffleOptions()->groups();
  const int channels = y.shape.back();
  int pixels = 1;
  for (size_t d = 1; d + 1 < y.shape.size(); ++d) pixels *= y.shape[d];
  const int a = b.TensorLike(op.outputs[0], y.name + "/grouped", {1, pixels, groups, channels / groups});
  const int t = b.TensorLike(op.outputs[0], y.name + "/swapped", {1, pixels, channels / groups, groups});
  const auto reshape = [&](int from, int to, const std::vector<int32_t>& shape, const std::string& name) {
    b.Op(tfl::BuiltinOperator::RESHAPE, {from, b.Int32s(name, shape)}, {to}, tfl::BuiltinOptions::ReshapeOptions,
         tfl::CreateReshapeOptions(b.fbb(), b.fbb().CreateVector(shape)).Union());
  };
  reshape(b.Tensor(op.inputs[0]), a, {-1, pixels, groups, channels / groups}, y.name + "/grouped_shape");
  b.Op(tfl::BuiltinOperator::TRANSPOSE, {a, b.Int32s(y.name + "/perm", {0, 1, 3, 2})}, {t},
       tfl::BuiltinOptions::TransposeOptions, tfl::CreateTransposeOptions(b.fbb()).Union());
  std::vector<int32_t> back(y.shape.begin(), y.shape.end());
  back[0] = -1;
  reshape(t, b.Tensor(op.outputs[0]), back, y.name + "/shape");
  return Status::Ok();
}

Status ExportSlice(TfliteBuilder& b, const QfmOp& op) {
  const qfm::SliceOptions* o = op.flat->options_as_SliceOptions();
  const QfmTensor &x = b.tensor(op.inputs[0]), &y = b.tensor(op.outputs[0]);
  const int rank = static_cast<int>(x.shape.size()), axis = o->axis() < 0 ? o->axis() + rank : o->axis();
  std::vector<int32_t> begin(rank, 0), size(x.shape.begin(), x.shape.end());
  begin[axis] = o->begin();
  size[axis] = o->end() - o->begin();
  b.Op(tfl::BuiltinOperator::SLICE,
       {b.Tensor(op.inputs[0]), b.Int32s(y.name + "/begin", begin), b.Int32s(y.name + "/size", size)},
       {b.Tensor(op.outputs[0])}, tfl::BuiltinOptions::SliceOptions, tfl::CreateSliceOptions(b.fbb()).Union());
  return Status::Ok();
}

// TFLite's resize maps output x to input (x + 0.5) * scale (half_pixel_centers, minus 0.5 when
// bilinear) or x * scale, and (nearest) rounds down, or to nearest with align_corners.
Status ExportResize(TfliteBuilder& b, const QfmOp& op) {
  const qfm::ResizeOptions* o = op.flat->options_as_ResizeOptions();
  const QfmTensor& y = b.tensor(op.outputs[0]);
  using C = qfm::ResizeCoordinates;
  using R = qfm::NearestRounding;
  const C c = o->coordinates();
  // PyTorch's half pixel differs from ONNX's only for an output of size 1.
  const bool half_pixel = c == C::HALF_PIXEL || (c == C::PYTORCH_HALF_PIXEL && y.shape[1] > 1 && y.shape[2] > 1);
  const bool align = c == C::ALIGN_CORNERS, asymmetric = c == C::ASYMMETRIC;
  const R r = o->nearest_rounding();
  const bool expressible = o->bilinear() ? (half_pixel || align || asymmetric)
                                         : ((asymmetric && r == R::FLOOR) || (half_pixel && r == R::ROUND_PREFER_CEIL) ||
                                            (align && r == R::ROUND_PREFER_CEIL));
  if (!expressible)
    return Unimplemented("{} resizing with coordinate mode {} and rounding {} has no TFLite form",
                         o->bilinear() ? "bilinear" : "nearest", qfm::EnumNameResizeCoordinates(c),
                         qfm::EnumNameNearestRounding(r));
  const int size = b.Int32s(y.name + "/size", {y.shape[1], y.shape[2]});
  const std::vector<int> in = {b.Tensor(op.inputs[0]), size}, out = {b.Tensor(op.outputs[0])};
  if (o->bilinear()) {
    b.Op(tfl::BuiltinOperator::RESIZE_BILINEAR, in, out, tfl::BuiltinOptions::ResizeBilinearOptions,
         tfl::CreateResizeBilinearOptions(b.fbb(), align, half_pixel).Union());
  } else {
    b.Op(tfl::BuiltinOperator::RESIZE_NEAREST_NEIGHBOR, in, out, tfl::BuiltinOptions::ResizeNearestNeighborOptions,
         tfl::CreateResizeNearestNeighborOptions(b.fbb(), align, half_pixel).Union());
  }
  return Status::Ok();
}

Status ExportInsertZeros(TfliteBuilder& b, const QfmOp& op) {
  const qfm::InsertZerosOptions* o = op.flat->options_as_InsertZerosOptions();
  const QfmTensor &x = b.tensor(op.inputs[0]), &y = b.tensor(op.outputs[0]);
  const int channels = x.shape[3];
  const bool quantized = x.quantized();
  if (quantized && x.dtype != qfm::DType::INT8) return Unimplemented("INSERT_ZEROS is exported for float and int8");
  int identity;
  if (quantized) {
    std::vector<int8_t> w(static_cast<size_t>(channels) * channels, 0);
    for (int c = 0; c < channels; ++c) w[static_cast<size_t>(c) * channels + c] = 127;
    const TensorQuant q{{1.0f / 127}, {0}, 0};
    identity = b.NewTensor(y.name + "/identity", tfl::TensorType::INT8, {channels, 1, 1, channels}, &q, w.data(), w.size());
  } else {
    std::vector<float> w(static_cast<size_t>(channels) * channels, 0.0f);
    for (int c = 0; c < channels; ++c) w[static_cast<size_t>(c) * channels + c] = 1.0f;
    identity = b.NewTensor(y.name + "/identity", tfl::TensorType::FLOAT32, {channels, 1, 1, channels}, nullptr,
                           w.data(), w.size() * sizeof(float));
  }
  const int shape = b.Int32s(y.name + "/output_shape", {y.shape[0], y.shape[1], y.shape[2], y.shape[3]});
  b.Op(tfl::BuiltinOperator::TRANSPOSE_CONV, {shape, identity, b.Tensor(op.inputs[0])}, {b.Tensor(op.outputs[0])},
       tfl::BuiltinOptions::TransposeConvOptions,
       tfl::CreateTransposeConvOptions(b.fbb(), tfl::Padding::VALID, o->stride_w(), o->stride_h()).Union());
  return Status::Ok();
}

}  // namespace

std::vector<ExporterRow> ShapeExporters() {
  return {{qfm::OpType::CONCATENATION, ExportConcat}, {qfm::OpType::RESHAPE, ExportReshape},
          {qfm::OpType::CHANNEL_SHUFFLE, ExportChannelShuffle}, {qfm::OpType::SLICE, ExportSlice},
          {qfm::OpType::RESIZE, ExportResize},           {qfm::OpType::INSERT_ZEROS, ExportInsertZeros}};
}

}  // namespace qforge::tflite_export
