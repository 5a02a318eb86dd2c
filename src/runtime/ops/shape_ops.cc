// Preparers of CONCATENATION and RESHAPE: byte copies whose quantized operands share one scale
// and zero point.
#include <cstring>
#include <memory>
#include <vector>

#include "runtime/kernels/ref/concat_ref.h"
#include "runtime/model/model.h"
#include "runtime/ops/op_checks.h"
#include "runtime/ops/preparers.h"

namespace qforge::runtime::ops {
namespace {

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
  int axis_total = 0;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    QF_RETURN_IF_ERROR(CheckPresent(c, {i}));
    const RuntimeTensor& in = *c.inputs[i];
    QF_RETURN_IF_ERROR(CheckConstant(c, in, false));
    QF_RETURN_IF_ERROR(CheckSameQuantization(c, in, out));
    bool fits = in.shape.size() == out.shape.size();
    for (int d = 0; fits && d < rank; ++d) fits = d == axis || in.shape[d] == out.shape[d];
    if (!fits) return c.Error("input " + ShapeString(in.shape) + " does not fit output " + ShapeString(out.shape));
    axis_total += in.shape[axis];
    inner_bytes.push_back(in.shape[axis] * inner_elements * DTypeSize(in.dtype));
    inputs.push_back(in.data);
  }
  if (axis_total != out.shape[axis]) return c.Error("inputs do not add up to the output's size along the axis");
  uint8_t* y = out.data;
  return std::make_unique<OpKernel>([outer, inner_bytes, inputs, y] { ref::Concatenation(outer, inner_bytes, inputs, y); });
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

}  // namespace

const std::vector<OpPreparer>& ShapePreparers() {
  static const std::vector<OpPreparer> table = {
      {qfm::OpType::CONCATENATION, PrepareConcatenation},
      {qfm::OpType::RESHAPE, PrepareReshape},
  };
  return table;
}

}  // namespace qforge::runtime::ops
