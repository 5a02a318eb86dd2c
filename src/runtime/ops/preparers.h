// One preparer per operator type (see op_kernel.h); PrepareOp dispatches to them.
#pragma once

#include <memory>

#include "runtime/op_kernel.h"

namespace qforge::runtime::ops {

using Prepared = StatusOr<std::unique_ptr<OpKernel>>;

Prepared PrepareConv2D(const OpContext& c);
Prepared PrepareDepthwiseConv2D(const OpContext& c);
Prepared PrepareFullyConnected(const OpContext& c);
Prepared PrepareAdd(const OpContext& c);
Prepared PrepareQuantize(const OpContext& c);
Prepared PrepareDequantize(const OpContext& c);
Prepared PrepareHardSwish(const OpContext& c);
Prepared PrepareSoftmax(const OpContext& c);
Prepared PrepareMaxPool(const OpContext& c);
Prepared PrepareAvgPool(const OpContext& c);
Prepared PrepareMean(const OpContext& c);
Prepared PrepareConcatenation(const OpContext& c);
Prepared PrepareReshape(const OpContext& c);

}  // namespace qforge::runtime::ops
