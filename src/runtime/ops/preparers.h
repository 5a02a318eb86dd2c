// The operator preparers, grouped by file: each file lists its operators' preparers in one
// table, and PrepareOp (op_registry.cc) looks the operator type up in them. A new operator is
// one row in its file's table (an element-wise unary one: one row in UnaryPreparers, its
// kernels made from its function).
#pragma once

#include <memory>
#include <vector>

#include "runtime/op_kernel.h"

namespace qforge::runtime::ops {

using Prepared = StatusOr<std::unique_ptr<OpKernel>>;

struct OpPreparer {
  qfm::OpType type;
  Prepared (*prepare)(const PrepareContext& c);
};

const std::vector<OpPreparer>& ConvPreparers();         // CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED
const std::vector<OpPreparer>& ElementwisePreparers();  // ADD, QUANTIZE, DEQUANTIZE, SOFTMAX
const std::vector<OpPreparer>& UnaryPreparers();        // HARD_SWISH
const std::vector<OpPreparer>& PoolPreparers();         // MAX_POOL_2D, AVERAGE_POOL_2D, MEAN
const std::vector<OpPreparer>& ShapePreparers();        // CONCATENATION, RESHAPE

}  // namespace qforge::runtime::ops
