// PrepareOp: the operator type -> preparer table.
#include "runtime/ops/preparers.h"

namespace qforge::runtime {

StatusOr<std::unique_ptr<OpKernel>> PrepareOp(const PrepareContext& c) {
  using qfm::OpType;
  switch (c.op->type()) {
    case OpType::CONV_2D: return ops::PrepareConv2D(c);
    case OpType::DEPTHWISE_CONV_2D: return ops::PrepareDepthwiseConv2D(c);
    case OpType::FULLY_CONNECTED: return ops::PrepareFullyConnected(c);
    case OpType::ADD: return ops::PrepareAdd(c);
    case OpType::MAX_POOL_2D: return ops::PrepareMaxPool(c);
    case OpType::AVERAGE_POOL_2D: return ops::PrepareAvgPool(c);
    case OpType::MEAN: return ops::PrepareMean(c);
    case OpType::CONCATENATION: return ops::PrepareConcatenation(c);
    case OpType::RESHAPE: return ops::PrepareReshape(c);
    case OpType::SOFTMAX: return ops::PrepareSoftmax(c);
    case OpType::HARD_SWISH: return ops::PrepareHardSwish(c);
    case OpType::QUANTIZE: return ops::PrepareQuantize(c);
    case OpType::DEQUANTIZE: return ops::PrepareDequantize(c);
  }
  return c.Error("unknown operator type");
}

}  // namespace qforge::runtime
