// Constant folding of the shape arithmetic exporters write (Shape -> Gather -> Unsqueeze ->
// Concat -> Reshape, with Cast, Slice, Squeeze and the four arithmetic operators): a node whose
// inputs are all constants is computed here, with NumPy broadcasting. The symbolic batch size
// (kBatchDim) may be moved around but not computed with.
#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <map>

#include "interop/onnx/importers.h"

namespace qforge::onnx_import {
namespace {

std::vector<int64_t> Strides(const Shape& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

StatusOr<int64_t> NormalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) return InvalidArgument("axis {} is out of range for rank {}", axis, rank);
  return axis < 0 ? axis + rank : axis;
}

// Axes from the attribute (older opsets) or the optional second input (newer ones).
StatusOr<std::vector<int64_t>> AxesOf(ImportContext& ctx, const onnx::NodeProto& n, int input, int input_since) {
  if (ctx.opset() >= input_since) {
    if (!ctx.HasInput(n, input)) return std::vector<int64_t>{};
    QF_ASSIGN_OR_RETURN(const ConstTensor* c, ctx.ConstantInput(n, input, "axes"));
    return std::vector<int64_t>(c->values.begin(), c->values.end());
  }
  NodeAttrs attrs(n);
  std::vector<int64_t> axes = attrs.Ints("axes", {});
  QF_RETURN_IF_ERROR(attrs.status());
  return axes;
}

const ConstTensor& In(ImportContext& ctx, const onnx::NodeProto& n, int i) { return ctx.Find(n.input(i))->constant; }

Status CheckNoBatch(const ConstTensor& c) {
  for (double v : c.values)
    if (v == kBatchDim) return InvalidArgument("arithmetic on the batch size (a dynamic dimension) is not supported");
  return Status::Ok();
}

Status FoldBinary(ImportContext& ctx, const onnx::NodeProto& n) {
  const ConstTensor &a = In(ctx, n, 0), &b = In(ctx, n, 1);
  QF_RETURN_IF_ERROR(CheckNoBatch(a));
  QF_RETURN_IF_ERROR(CheckNoBatch(b));
  const size_t rank = std::max(a.dims.size(), b.dims.size());
  Shape da(rank - a.dims.size(), 1), db(rank - b.dims.size(), 1), out(rank);
  da.insert(da.end(), a.dims.begin(), a.dims.end());
  db.insert(db.end(), b.dims.begin(), b.dims.end());
  for (size_t i = 0; i < rank; ++i) {
    if (da[i] != db[i] && da[i] != 1 && db[i] != 1)
      return InvalidArgument("shapes {} and {} do not broadcast", ShapeToString(a.dims), ShapeToString(b.dims));
    out[i] = da[i] == 1 ? db[i] : da[i];
  }
  const bool integer = !IsFloatType(a.elem_type);
  const std::string& op = n.op_type();
  const auto sa = Strides(da), sb = Strides(db), so = Strides(out);
  ConstTensor c;
  c.elem_type = a.elem_type;
  c.dims = out;
  c.values.resize(NumElements(out));
  for (int64_t i = 0; i < c.count(); ++i) {
    int64_t ia = 0, ib = 0;
    for (size_t d = 0; d < rank; ++d) {
      const int64_t k = (i / so[d]) % out[d];
      ia += da[d] == 1 ? 0 : k * sa[d];
      ib += db[d] == 1 ? 0 : k * sb[d];
    }
    const double x = a.values[ia], y = b.values[ib];
    if (op == "Div" && integer && y == 0) return InvalidArgument("integer division by zero");
    c.values[i] = op == "Add" ? x + y : op == "Sub" ? x - y : op == "Mul" ? x * y
                  : integer ? std::trunc(x / y) : x / y;
    if (!integer && c.elem_type == onnx::TensorProto::FLOAT) c.values[i] = static_cast<float>(c.values[i]);
  }
  ctx.SetConstant(n.output(0), std::move(c));
  return Status::Ok();
}

Status FoldCast(ImportContext& ctx, const onnx::NodeProto& n) {
  NodeAttrs attrs(n);
  const int64_t to = attrs.Int("to", 0);
  QF_RETURN_IF_ERROR(attrs.status());
  ConstTensor c = In(ctx, n, 0);
  c.elem_type = static_cast<int32_t>(to);
  for (double& v : c.values) {
    if (v == kBatchDim) continue;
    if (to == onnx::TensorProto::FLOAT) v = static_cast<float>(v);
    else if (to == onnx::TensorProto::BOOL) v = v != 0;
    else if (!IsFloatType(c.elem_type)) v = std::trunc(v);
  }
  ctx.SetConstant(n.output(0), std::move(c));
  return Status::Ok();
}

Status FoldUnsqueeze(ImportContext& ctx, const onnx::NodeProto& n) {
  QF_ASSIGN_OR_RETURN(std::vector<int64_t> axes, AxesOf(ctx, n, 1, 13));
  ConstTensor c = In(ctx, n, 0);
  const int64_t rank = static_cast<int64_t>(c.dims.size() + axes.size());
  for (int64_t& a : axes) {
    QF_ASSIGN_OR_RETURN(a, NormalizeAxis(a, rank));
  }
  std::sort(axes.begin(), axes.end());
  for (int64_t a : axes) c.dims.insert(c.dims.begin() + a, 1);
  ctx.SetConstant(n.output(0), std::move(c));
  return Status::Ok();
}

Status FoldSqueeze(ImportContext& ctx, const onnx::NodeProto& n) {
  QF_ASSIGN_OR_RETURN(std::vector<int64_t> axes, AxesOf(ctx, n, 1, 13));
  ConstTensor c = In(ctx, n, 0);
  const int64_t rank = static_cast<int64_t>(c.dims.size());
  Shape dims;
  for (int64_t i = 0; i < rank; ++i) {
    bool drop = axes.empty() && c.dims[i] == 1;
    for (int64_t a : axes) drop |= a == i || a + rank == i;
    if (drop && c.dims[i] != 1) return InvalidArgument("cannot squeeze dimension {} of size {}", i, c.dims[i]);
    if (!drop) dims.push_back(c.dims[i]);
  }
  c.dims = dims;
  ctx.SetConstant(n.output(0), std::move(c));
  return Status::Ok();
}

Status FoldConcat(ImportContext& ctx, const onnx::NodeProto& n) {
  NodeAttrs attrs(n);
  const int64_t axis_attr = attrs.Int("axis", 0);
  QF_RETURN_IF_ERROR(attrs.status());
  const ConstTensor& first = In(ctx, n, 0);
  QF_ASSIGN_OR_RETURN(const int64_t axis, NormalizeAxis(axis_attr, static_cast<int64_t>(first.dims.size())));
  ConstTensor c;
  c.elem_type = first.elem_type;
  c.dims = first.dims;
  c.dims[axis] = 0;
  for (int i = 0; i < n.input_size(); ++i) {
    const ConstTensor& t = In(ctx, n, i);
    for (size_t d = 0; d < t.dims.size(); ++d)
      if (t.dims.size() != first.dims.size() || (static_cast<int64_t>(d) != axis && t.dims[d] != first.dims[d]))
        return InvalidArgument("input {} ({}) does not concatenate with {}", i + 1, ShapeToString(t.dims),
                               ShapeToString(first.dims));
    c.dims[axis] += t.dims[axis];
  }
  const int64_t outer = NumElements(Shape(first.dims.begin(), first.dims.begin() + axis));
  for (int64_t o = 0; o < outer; ++o)
    for (int i = 0; i < n.input_size(); ++i) {
      const ConstTensor& t = In(ctx, n, i);
      const int64_t block = t.count() / std::max<int64_t>(outer, 1);
      c.values.insert(c.values.end(), t.values.begin() + o * block, t.values.begin() + (o + 1) * block);
    }
  ctx.SetConstant(n.output(0), std::move(c));
  return Status::Ok();
}

Status FoldGather(ImportContext& ctx, const onnx::NodeProto& n) {
  NodeAttrs attrs(n);
  const int64_t axis_attr = attrs.Int("axis", 0);
  QF_RETURN_IF_ERROR(attrs.status());
  const ConstTensor &data = In(ctx, n, 0), &idx = In(ctx, n, 1);
  if (data.dims.empty()) return InvalidArgument("cannot gather from a scalar");
  QF_ASSIGN_OR_RETURN(const int64_t axis, NormalizeAxis(axis_attr, static_cast<int64_t>(data.dims.size())));
  const int64_t outer = NumElements(Shape(data.dims.begin(), data.dims.begin() + axis));
  const int64_t inner = NumElements(Shape(data.dims.begin() + axis + 1, data.dims.end())), len = data.dims[axis];
  ConstTensor c;
  c.elem_type = data.elem_type;
  c.dims.assign(data.dims.begin(), data.dims.begin() + axis);
  c.dims.insert(c.dims.end(), idx.dims.begin(), idx.dims.end());
  c.dims.insert(c.dims.end(), data.dims.begin() + axis + 1, data.dims.end());
  for (int64_t o = 0; o < outer; ++o)
    for (double iv : idx.values) {
      int64_t k = static_cast<int64_t>(iv);
      if (k < 0) k += len;
      if (k < 0 || k >= len) return InvalidArgument("index {} is out of range for a dimension of {}", iv, len);
      const auto from = data.values.begin() + (o * len + k) * inner;
      c.values.insert(c.values.end(), from, from + inner);
    }
  ctx.SetConstant(n.output(0), std::move(c));
  return Status::Ok();
}

}  // namespace

StatusOr<SliceSpec> ReadSliceSpec(ImportContext& ctx, const onnx::NodeProto& n, const Shape& dims) {
  const int64_t rank = static_cast<int64_t>(dims.size());
  std::vector<int64_t> starts, ends, axes, steps;
  if (ctx.opset() < 10) {
    NodeAttrs attrs(n);
    starts = attrs.Ints("starts", {});
    ends = attrs.Ints("ends", {});
    axes = attrs.Ints("axes", {});
    QF_RETURN_IF_ERROR(attrs.status());
  } else {
    auto read = [&](int i, std::vector<int64_t>& out) -> Status {
      if (!ctx.HasInput(n, i)) return Status::Ok();
      QF_ASSIGN_OR_RETURN(const ConstTensor* c, ctx.ConstantInput(n, i, "a slice bound"));
      for (double v : c->values) out.push_back(v >= 9.2e18 ? INT64_MAX : v <= -9.2e18 ? INT64_MIN : static_cast<int64_t>(v));
      return Status::Ok();
    };
    QF_RETURN_IF_ERROR(read(1, starts));
    QF_RETURN_IF_ERROR(read(2, ends));
    QF_RETURN_IF_ERROR(read(3, axes));
    QF_RETURN_IF_ERROR(read(4, steps));
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    return InvalidArgument("starts, ends, axes and steps differ in length");
  SliceSpec spec{std::vector<int64_t>(rank, 0), std::vector<int64_t>(rank, 1), dims};
  for (size_t i = 0; i < starts.size(); ++i) {
    QF_ASSIGN_OR_RETURN(const int64_t a, NormalizeAxis(axes[i], rank));
    const int64_t len = dims[a], s = steps[i];
    if (s == 0) return InvalidArgument("a slice step is 0");
    auto clampi = [&](int64_t v, int64_t lo, int64_t hi) {
      return std::clamp(v < 0 ? (v == INT64_MIN ? lo : v + len) : v, lo, hi);
    };
    const int64_t b = s > 0 ? clampi(starts[i], 0, len) : clampi(starts[i], -1, len - 1);
    const int64_t e = s > 0 ? clampi(ends[i], 0, len) : clampi(ends[i], -1, len - 1);
    spec.begin[a] = b;
    spec.step[a] = s;
    spec.out[a] = s > 0 ? std::max<int64_t>(0, (e - b + s - 1) / s) : std::max<int64_t>(0, (b - e - s - 1) / -s);
  }
  return spec;
}

namespace {

Status FoldSlice(ImportContext& ctx, const onnx::NodeProto& n) {
  const ConstTensor& data = In(ctx, n, 0);
  QF_ASSIGN_OR_RETURN(const SliceSpec spec, ReadSliceSpec(ctx, n, data.dims));
  const int64_t rank = static_cast<int64_t>(data.dims.size());
  const auto si = Strides(data.dims), so = Strides(spec.out);
  ConstTensor c;
  c.elem_type = data.elem_type;
  c.dims = spec.out;
  c.values.resize(NumElements(spec.out));
  for (int64_t i = 0; i < c.count(); ++i) {
    int64_t from = 0;
    for (int64_t d = 0; d < rank; ++d) from += (spec.begin[d] + ((i / so[d]) % spec.out[d]) * spec.step[d]) * si[d];
    c.values[i] = data.values[from];
  }
  ctx.SetConstant(n.output(0), std::move(c));
  return Status::Ok();
}

Status FoldReshape(ImportContext& ctx, const onnx::NodeProto& n) {
  ConstTensor c = In(ctx, n, 0);
  const ConstTensor& target = In(ctx, n, 1);
  Shape dims;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < target.values.size(); ++i) {
    int64_t d = static_cast<int64_t>(target.values[i]);
    if (d == 0 && i < c.dims.size()) d = c.dims[i];
    if (d == -1) infer = static_cast<int64_t>(i);
    else if (d < 0) return InvalidArgument("target dimension {} ({}) is not valid", i, d);
    else known *= d;
    dims.push_back(d);
  }
  if (infer >= 0 && known > 0) dims[infer] = c.count() / known;
  if (NumElements(dims) != c.count())
    return InvalidArgument("cannot reshape {} to {}", ShapeToString(c.dims), ShapeToString(dims));
  c.dims = dims;
  ctx.SetConstant(n.output(0), std::move(c));
  return Status::Ok();
}

const std::map<std::string, NodeImporter, std::less<>>& Folders() {
  static const std::map<std::string, NodeImporter, std::less<>> folders = {
      {"Add", FoldBinary},       {"Sub", FoldBinary},         {"Mul", FoldBinary},         {"Div", FoldBinary},
      {"Cast", FoldCast},        {"Unsqueeze", FoldUnsqueeze}, {"Squeeze", FoldSqueeze},    {"Concat", FoldConcat},
      {"Gather", FoldGather},    {"Slice", FoldSlice},         {"Reshape", FoldReshape}};
  return folders;
}

}  // namespace

bool CanFold(const std::string& op_type) { return Folders().count(op_type) > 0; }

Status FoldConstantNode(ImportContext& ctx, const onnx::NodeProto& n) {
  return Folders().find(n.op_type())->second(ctx, n);
}

}  // namespace qforge::onnx_import
