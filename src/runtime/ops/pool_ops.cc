// Preparers of MAX_POOL_2D, AVERAGE_POOL_2D and MEAN (global average over H and W).
#include <algorithm>
#include <cmath>
#include <memory>
#include <type_traits>

#include "runtime/kernels/float_kernels.h"
#include "runtime/kernels/int16_kernels.h"
#include "runtime/kernels/kernel_family.h"
#include "runtime/kernels/mean.h"
#include "runtime/kernels/pool.h"
#include "runtime/kernels/ref/float_ref.h"
#include "runtime/kernels/ref/pool_ref.h"
#include "runtime/ops/op_checks.h"
#include "runtime/ops/preparers.h"
#include "runtime/quant_math.h"

namespace qforge::runtime::ops {
namespace {

enum class Pool { kMax, kAverage };

// fn(row_begin, row_end) over the batch's output rows (b * out_h + oy), split over the
// threads (null: one) when the work is worth it.
template <typename Fn>
void ForEachRowShare(ThreadPool* threads, const ConvGeometry& g, Fn&& fn) {
  const int rows = g.batch * g.out_h;
  if (!threads) return fn(0, rows);
  const int64_t work = static_cast<int64_t>(rows) * g.out_w * g.out_c * g.kernel_h * g.kernel_w;
  const int tasks = threads->TasksFor(work, std::min(rows, 4 * threads->size())), per_task = (rows + tasks - 1) / tasks;
  threads->Run(tasks, [&](int t, int) { fn(t * per_task, std::min(rows, (t + 1) * per_task)); });
}

// An operator running rows(row_begin, row_end) over its output rows, split over the threads.
template <typename Rows>
std::unique_ptr<OpKernel> RowShareKernel(ThreadPool* threads, const ConvGeometry& g, Rows rows, std::string name) {
  return std::make_unique<OpKernel>([threads, g, rows] { ForEachRowShare(threads, g, rows); }, std::move(name));
}

template <typename T>
Prepared IntegerPool(const PrepareContext& c, Pool pool, const ConvGeometry& g, IntRange act, const RuntimeTensor& in,
                     const RuntimeTensor& out) {
  const T* x = in.as<T>();
  T* y = out.as<T>();
  if constexpr (std::is_same_v<T, int16_t>) {
    const Int16Kernels& kernel = BestKernel(Int16KernelSets(), c.isa);
    if (pool == Pool::kMax && !IsReference(kernel)) {
      const Int16MaxPoolRun run = kernel.max_pool;
      return RowShareKernel(
          c.pool, g, [=](int begin, int end) { run(g, act.min, act.max, x, y, begin, end); },
          std::string(kernel.name) + " max pool");
    }
  }
  if constexpr (std::is_same_v<T, int8_t>) {
    const MaxPoolKernel& kernel = BestKernel(MaxPoolKernels(), c.isa);
    if (pool == Pool::kMax && !IsReference(kernel)) {
      const MaxPoolRun run = kernel.run;
      return RowShareKernel(c.pool, g, [=](int begin, int end) { run(g, act.min, act.max, x, y, begin, end); },
                            kernel.name);
    }
  }
  if (pool == Pool::kMax) return std::make_unique<OpKernel>([g, act, x, y] { ref::MaxPool(g, act.min, act.max, x, y); });
  return std::make_unique<OpKernel>([g, act, x, y] { ref::AvgPool(g, act.min, act.max, x, y); });
}

Prepared PreparePool(const PrepareContext& c, Pool pool) {
  QF_RETURN_IF_ERROR(CheckArity(c, 1, 1, 1));
  QF_RETURN_IF_ERROR(CheckPresent(c, {0}));
  const RuntimeTensor &in = *c.inputs[0], &out = *c.outputs[0];
  QF_RETURN_IF_ERROR(CheckConstant(c, in, false));
  const qfm::Pool2DOptions& o = *c.op->options_as_Pool2DOptions();
  QF_ASSIGN_OR_RETURN(const ConvGeometry g, MakeGeometry(c, in, out, WindowOf(o, o.filter_h(), o.filter_w())));
  if (g.out_c != g.in_c) return c.Error("pooling must keep the channel count");
  if (in.dtype == qfm::DType::FLOAT32) {
    QF_RETURN_IF_ERROR(CheckDType(c, out, {qfm::DType::FLOAT32}));
    const float* x = in.as<float>();
    float* y = out.as<float>();
    const ref::FloatActivation act = FloatActivationRange(o.activation());
    const FloatKernels& kernel = BestKernel(FloatKernelSets(), c.isa);
    if (!IsReference(kernel)) {
      const FloatPoolRun run = pool == Pool::kMax ? kernel.max_pool : kernel.avg_pool;
      return RowShareKernel(c.pool, g, [=](int begin, int end) { run(g, act, x, y, begin, end); },
                            std::string(kernel.name) + (pool == Pool::kMax ? " max pool" : " average pool"));
    }
    if (pool == Pool::kMax) return std::make_unique<OpKernel>([g, act, x, y] { ref::MaxPool(g, act, x, y); });
    return std::make_unique<OpKernel>([g, act, x, y] { ref::AvgPool(g, act, x, y); });
  }
  QF_RETURN_IF_ERROR(CheckDType(c, in, {qfm::DType::INT8, qfm::DType::INT16}));
  QF_RETURN_IF_ERROR(CheckPerTensor(c, in));
  QF_RETURN_IF_ERROR(CheckSameQuantization(c, in, out));
  const IntRange act = QuantizedActivationRange(o.activation(), out);
  if (in.dtype == qfm::DType::INT16) return IntegerPool<int16_t>(c, pool, g, act, in, out);
  return IntegerPool<int8_t>(c, pool, g, act, in, out);
}

Prepared PrepareMaxPool(const PrepareContext& c) { return PreparePool(c, Pool::kMax); }
Prepared PrepareAvgPool(const PrepareContext& c) { return PreparePool(c, Pool::kAverage); }

Prepared PrepareMean(const PrepareContext& c) {
  QF_RETURN_IF_ERROR(CheckArity(c, 1, 1, 1));
  QF_RETURN_IF_ERROR(CheckPresent(c, {0}));
  const RuntimeTensor &in = *c.inputs[0], &out = *c.outputs[0];
  QF_RETURN_IF_ERROR(CheckConstant(c, in, false));
  QF_RETURN_IF_ERROR(CheckRank(c, in, 4));
  QF_RETURN_IF_ERROR(CheckRank(c, out, 2));
  const int n = in.shape[0], h = in.shape[1], w = in.shape[2], ch = in.shape[3];
  if (out.shape[0] != n || out.shape[1] != ch)
    return c.Error("output " + ShapeString(out.shape) + " is not [batch, channels] of input " + ShapeString(in.shape));
  QF_RETURN_IF_ERROR(CheckDType(c, out, {in.dtype}));
  if (in.dtype == qfm::DType::FLOAT32) {
    const float* x = in.as<float>();
    float* y = out.as<float>();
    const FloatKernels& kernel = BestKernel(FloatKernelSets(), c.isa);
    if (!IsReference(kernel)) {
      const FloatMeanRun run = kernel.mean;
      return std::make_unique<OpKernel>(
          [run, n, h, w, ch, x, y] {
            for (int b = 0; b < n; ++b) run(h * w, ch, x + static_cast<int64_t>(b) * h * w * ch, y + b * ch);
          },
          std::string(kernel.name) + " mean");
    }
    return std::make_unique<OpKernel>([n, h, w, ch, x, y] { ref::Mean(n, h, w, ch, x, y); });
  }
  QF_RETURN_IF_ERROR(CheckDType(c, in, {qfm::DType::INT8, qfm::DType::INT16}));
  QF_RETURN_IF_ERROR(CheckPerTensor(c, in));
  QF_RETURN_IF_ERROR(CheckPerTensor(c, out));
  // The int32 sum of |q| <= 2^(bits-1) over h*w pixels, shifted left by the multiplier's
  // exponent, must not overflow.
  const double m = in.scale[0] / (static_cast<double>(h) * w * out.scale[0]);
  const double max_sum = static_cast<double>(h) * w * (in.dtype == qfm::DType::INT16 ? 32768.0 : 128.0);
  if (!IsEncodableMultiplier(m) || max_sum * std::ldexp(1.0, std::max(QuantizeMultiplier(m).shift, 0)) >= 2147483648.0)
    return c.Error("input size and scales would overflow the int32 mean computation");
  MeanParams p = MakeMeanParams(h * w, in.scale[0], static_cast<int32_t>(in.zero_point[0]), out.scale[0],
                                static_cast<int32_t>(out.zero_point[0]));
  const IntRange act = QuantizedActivationRange(qfm::Activation::NONE, out);
  p.act_min = act.min;
  p.act_max = act.max;
  if (in.dtype == qfm::DType::INT16) {
    const int16_t* x = in.as<int16_t>();
    int16_t* y = out.as<int16_t>();
    return std::make_unique<OpKernel>([n, h, w, ch, p, x, y] { ref::Mean(n, h, w, ch, p, x, y); });
  }
  const int8_t* x = in.as<int8_t>();
  int8_t* y = out.as<int8_t>();
  const MeanKernel& kernel = BestKernel(MeanKernels(), c.isa);
  if (!IsReference(kernel)) {  // images split over the threads
    const MeanRun run = kernel.run;
    ThreadPool* pool = c.pool;
    return std::make_unique<OpKernel>(
        [run, n, h, w, ch, p, x, y, pool] {
          if (!pool) return run(0, n, h, w, ch, p, x, y);
          pool->Run(n, [&](int b, int) { run(b, b + 1, h, w, ch, p, x, y); });
        },
        kernel.name);
  }
  return std::make_unique<OpKernel>([n, h, w, ch, p, x, y] { ref::Mean(n, h, w, ch, p, x, y); });
}

}  // namespace

const std::vector<OpPreparer>& PoolPreparers() {
  static const std::vector<OpPreparer> table = {
      {qfm::OpType::MAX_POOL_2D, PrepareMaxPool},
      {qfm::OpType::AVERAGE_POOL_2D, PrepareAvgPool},
      {qfm::OpType::MEAN, PrepareMean},
  };
  return table;
}

}  // namespace qforge::runtime::ops
