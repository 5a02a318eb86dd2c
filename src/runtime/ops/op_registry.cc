// PrepareOp: the operator type -> preparer table, gathered from the preparer files' tables.
#include <array>

#include "runtime/ops/preparers.h"

namespace qforge::runtime {
namespace {

using Preparer = ops::Prepared (*)(const PrepareContext& c);
constexpr size_t kOpTypes = static_cast<size_t>(qfm::OpType::MAX) + 1;

std::array<Preparer, kOpTypes> MakeTable() {
  std::array<Preparer, kOpTypes> table{};
  for (const auto* family : {&ops::ConvPreparers(), &ops::ElementwisePreparers(), &ops::UnaryPreparers(),
                             &ops::PoolPreparers(), &ops::ShapePreparers()})
    for (const ops::OpPreparer& p : *family) table[static_cast<size_t>(p.type)] = p.prepare;
  return table;
}

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> PrepareOp(const PrepareContext& c) {
  static const std::array<Preparer, kOpTypes> table = MakeTable();
  const auto type = static_cast<size_t>(c.op->type());
  if (type >= kOpTypes || !table[type]) return c.Error("unknown operator type");
  return table[type](c);
}

}  // namespace qforge::runtime
