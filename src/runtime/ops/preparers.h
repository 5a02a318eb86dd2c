// One preparer per operator type (see op_kernel.h); PrepareOp dispatches to them.
#pragma once

#include <memory>

#include "runtime/op_kernel.h"

namespace qforge::runtime::ops {

using Prepared = StatusOr<std::unique_ptr<OpKernel>>;

Prepared PrepareConv2D(const PrepareContext& c);
Prepared PrepareDepthwiseConv2D(const PrepareContext& c);
Prepared PrepareFullyConnected(const PrepareContext& c);
Prepared PrepareAdd(const PrepareContext& c);
Prepared PrepareQuantize(const PrepareContext& c);
Prepared PrepareDequantize(const PrepareContext& c);
Prepared PrepareHardSwish(const PrepareContext& c);
Prepared PrepareSoftmax(const PrepareContext& c);
Prepared PrepareMaxPool(const PrepareContext& c);
Prepared PrepareAvgPool(const PrepareContext& c);
Prepared PrepareMean(const PrepareContext& c);
Prepared PrepareConcatenation(const PrepareContext& c);
Prepared PrepareReshape(const PrepareContext& c);

}  // namespace qforge::runtime::ops
