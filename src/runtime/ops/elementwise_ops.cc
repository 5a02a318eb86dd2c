// Preparers of the element-wise operators: ADD, MUL, QUANTIZE, DEQUANTIZE, SOFTMAX, and the
// unary ones (HARD_SWISH, HARD_SIGMOID, SIGMOID, SILU, CLIP), whose kernels all come from one
// function per operator.
#include <algorithm>
#include <cmath>
#include <memory>
#include <type_traits>
#include <vector>

#include "runtime/kernels/add.h"
#include "runtime/kernels/float_kernels.h"
#include "runtime/kernels/int16_kernels.h"
#include "runtime/kernels/kernel_family.h"
#include "runtime/kernels/lookup.h"
#include "runtime/kernels/mul.h"
#include "runtime/kernels/quantize.h"
#include "runtime/kernels/ref/elementwise_ref.h"
#include "runtime/kernels/ref/float_ref.h"
#include "runtime/kernels/ref/int16_ref.h"
#include "runtime/kernels/ref/lut_ref.h"
#include "runtime/kernels/ref/mul_ref.h"
#include "runtime/kernels/ref/unary_ref.h"
#include "runtime/ops/op_checks.h"
#include "runtime/ops/preparers.h"
#include "runtime/quant_grid.h"

namespace qforge::runtime::ops {
namespace {

// Elements per task of the threaded elementwise kernels (Add, Quantize): about four tasks per
// thread, in whole cache lines, but not under 4096 (a task must outweigh handing it out).
int64_t ElementwiseChunk(int64_t n, const ThreadPool* pool) {
  const int threads = pool ? pool->size() : 1;
  return std::max<int64_t>(4096, (n + 4 * threads - 1) / (4 * threads) + 63) / 64 * 64;
}

Status CheckUnary(const PrepareContext& c) {
  QF_RETURN_IF_ERROR(CheckArity(c, 1, 1, 1));
  QF_RETURN_IF_ERROR(CheckPresent(c, {0}));
  QF_RETURN_IF_ERROR(CheckConstant(c, *c.inputs[0], false));
  return CheckSameShape(c, *c.inputs[0], *c.outputs[0]);
}

// The quantized input and output of a unary integer op, both per tensor.
Status CheckQuantizedPair(const PrepareContext& c, qfm::DType type) {
  QF_RETURN_IF_ERROR(CheckDType(c, *c.inputs[0], {type}));
  QF_RETURN_IF_ERROR(CheckDType(c, *c.outputs[0], {type}));
  QF_RETURN_IF_ERROR(CheckPerTensor(c, *c.inputs[0]));
  return CheckPerTensor(c, *c.outputs[0]);
}

// An operator running range(begin, end) over n elements, split over the threads in chunks.
template <typename Range>
std::unique_ptr<OpKernel> ChunkedKernel(ThreadPool* pool, int64_t n, Range range, std::string name) {
  const int64_t chunk = ElementwiseChunk(n, pool);
  return std::make_unique<OpKernel>([pool, n, chunk, range] { ForEachChunk(pool, n, chunk, range); }, std::move(name));
}

template <typename T>
Prepared IntegerAdd(const PrepareContext& c, const AddParams& p) {
  const T *a = c.inputs[0]->as<T>(), *b = c.inputs[1]->as<T>();
  T* out = c.outputs[0]->as<T>();
  const int64_t n = c.outputs[0]->elements;
  if constexpr (std::is_same_v<T, int16_t>) {
    const Int16Kernels& kernel = BestKernel(Int16KernelSets(), c.isa);
    if (!IsReference(kernel)) {  // the vector kernel, split over the threads in chunks
      const Int16AddRun run = kernel.add;
      return ChunkedKernel(c.pool, n, [=](int64_t begin, int64_t end) { run(p, begin, end, a, b, out); },
                           std::string(kernel.name) + " add");
    }
  }
  if constexpr (std::is_same_v<T, int8_t>) {
    const AddKernel& kernel = BestKernel(AddKernels(), c.isa);
    if (!IsReference(kernel)) {  // the vector kernel, split over the threads in chunks
      auto add = std::make_shared<AddInt8Kernel>(kernel, p);
      return ChunkedKernel(c.pool, n, [=](int64_t begin, int64_t end) { add->Run(begin, end, a, b, out); },
                           kernel.name);
    }
  }
  return std::make_unique<OpKernel>([p, a, b, out, n] { ref::Add(p, n, a, b, out); });
}

template <typename T>
Prepared QuantizeOp(const PrepareContext& c, const RuntimeTensor& in, const RuntimeTensor& out) {
  const float* x = in.as<float>();
  T* y = out.as<T>();
  const float s = out.scale[0];
  const auto zp = static_cast<int32_t>(out.zero_point[0]);
  const int64_t n = out.elements;
  if constexpr (std::is_same_v<T, int8_t>) {
    const QuantizeKernel& kernel = BestKernel(QuantizeKernels(), c.isa);
    if (out.bits == 0 && !IsReference(kernel)) {
      const QuantizeRun run = kernel.run;
      return ChunkedKernel(c.pool, n, [=](int64_t begin, int64_t end) { run(s, zp, begin, end, x, y); }, kernel.name);
    }
  }
  if (out.bits == 0) return std::make_unique<OpKernel>([x, y, s, zp, n] { ref::Quantize(s, zp, n, x, y); });
  const IntRange r = TypeRange(out);  // an n-bit grid: clamp further
  return std::make_unique<OpKernel>([x, y, s, zp, n, r] {
    ref::Quantize(s, zp, n, x, y);
    for (int64_t i = 0; i < n; ++i) y[i] = static_cast<T>(std::clamp<int32_t>(y[i], r.min, r.max));
  });
}

template <typename T>
Prepared DequantizeOp(const RuntimeTensor& in, const RuntimeTensor& out) {
  const T* x = in.as<T>();
  float* y = out.as<float>();
  const float s = in.scale[0];
  const auto zp = static_cast<int32_t>(in.zero_point[0]);
  const int64_t n = out.elements;
  return std::make_unique<OpKernel>([x, y, s, zp, n] { ref::Dequantize(s, zp, n, x, y); });
}

// Rows and depth of a softmax over the last dimension.
void RowsAndDepth(const RuntimeTensor& t, int* rows, int* depth) {
  *depth = t.shape.back();
  *rows = static_cast<int>(t.elements / *depth);
}

// Two activation inputs, one output of the first input's shape.
Status CheckBinary(const PrepareContext& c) {
  QF_RETURN_IF_ERROR(CheckArity(c, 2, 2, 1));
  QF_RETURN_IF_ERROR(CheckPresent(c, {0, 1}));
  QF_RETURN_IF_ERROR(CheckConstant(c, *c.inputs[0], false));
  QF_RETURN_IF_ERROR(CheckConstant(c, *c.inputs[1], false));
  return CheckSameShape(c, *c.inputs[0], *c.outputs[0]);
}

Prepared PrepareAdd(const PrepareContext& c) {
  QF_RETURN_IF_ERROR(CheckBinary(c));
  const RuntimeTensor &a = *c.inputs[0], &b = *c.inputs[1], &out = *c.outputs[0];
  QF_RETURN_IF_ERROR(CheckSameShape(c, b, out));
  QF_RETURN_IF_ERROR(CheckDType(c, a, {out.dtype}));
  QF_RETURN_IF_ERROR(CheckDType(c, b, {out.dtype}));
  const qfm::Activation act = c.op->options_as_AddOptions()->activation();
  if (out.dtype == qfm::DType::FLOAT32) {
    const float *x = a.as<float>(), *y = b.as<float>();
    float* z = out.as<float>();
    const int64_t n = out.elements;
    const ref::FloatActivation range = FloatActivationRange(act);
    const FloatKernels& kernel = BestKernel(FloatKernelSets(), c.isa);
    if (!IsReference(kernel)) {  // the vector kernel, split over the threads in chunks
      const FloatAddRun run = kernel.add;
      return ChunkedKernel(
          c.pool, n, [=](int64_t begin, int64_t end) { run(range, end - begin, x + begin, y + begin, z + begin); },
          std::string(kernel.name) + " add");
    }
    return std::make_unique<OpKernel>([x, y, z, n, range] { ref::Add(range, n, x, y, z); });
  }
  QF_RETURN_IF_ERROR(CheckDType(c, out, {qfm::DType::INT8, qfm::DType::INT16}));
  for (const RuntimeTensor* t : {&a, &b, &out}) QF_RETURN_IF_ERROR(CheckPerTensor(c, *t));
  const bool is16 = out.dtype == qfm::DType::INT16;
  const double s1 = a.scale[0], s2 = b.scale[0], so = out.scale[0];
  if (2.0 * std::max(s1, s2) / (std::ldexp(1.0, is16 ? 15 : 20) * so) >= 1.0)
    return c.Error("output scale is too small for its inputs' scales");
  const IntRange range = QuantizedActivationRange(act, out);
  const AddParams p = MakeAddParams(s1, static_cast<int32_t>(a.zero_point[0]), s2,
                                    static_cast<int32_t>(b.zero_point[0]), so,
                                    static_cast<int32_t>(out.zero_point[0]), range.min, range.max,
                                    is16 ? 15 : 20);
  return is16 ? IntegerAdd<int16_t>(c, p) : IntegerAdd<int8_t>(c, p);
}

// MUL: a * b, b of a's shape or one value per sample and channel ([N, 1, 1, C]).
Prepared PrepareMul(const PrepareContext& c) {
  QF_RETURN_IF_ERROR(CheckBinary(c));
  const RuntimeTensor &a = *c.inputs[0], &b = *c.inputs[1], &out = *c.outputs[0];
  QF_RETURN_IF_ERROR(CheckDType(c, a, {out.dtype}));
  QF_RETURN_IF_ERROR(CheckDType(c, b, {out.dtype}));
  MulShape shape;
  shape.samples = out.shape[0];
  shape.channels = out.shape.back();
  shape.pixels = out.elements / (shape.samples * std::max<int64_t>(shape.channels, 1));
  if (b.shape != out.shape) {
    bool gate = b.shape.size() == out.shape.size() && b.shape[0] == out.shape[0] && b.shape.back() == out.shape.back();
    for (size_t d = 1; gate && d + 1 < b.shape.size(); ++d) gate = b.shape[d] == 1;
    if (!gate) return c.Error("the second input must have the first's shape or [N, 1, 1, C]; it is " + ShapeString(b.shape));
    shape.broadcast = true;
  }
  const qfm::Activation act = c.op->options_as_MulOptions()->activation();
  if (out.dtype == qfm::DType::FLOAT32) {
    const float *x = a.as<float>(), *y = b.as<float>();
    float* z = out.as<float>();
    const ref::FloatActivation range = FloatActivationRange(act);
    return std::make_unique<OpKernel>([shape, range, x, y, z] { ref::Mul(shape, range, x, y, z); });
  }
  QF_RETURN_IF_ERROR(CheckDType(c, out, {qfm::DType::INT8, qfm::DType::INT16}));
  for (const RuntimeTensor* t : {&a, &b, &out}) QF_RETURN_IF_ERROR(CheckPerTensor(c, *t));
  // The product's left shift must not overflow: |product| < 2^16 for int8 and < 2^30 for int16.
  const double multiplier = static_cast<double>(a.scale[0]) * b.scale[0] / out.scale[0];
  const bool is16 = out.dtype == qfm::DType::INT16;
  if (!IsEncodableMultiplier(multiplier) || multiplier >= (is16 ? 1.0 : 32768.0))
    return c.Error("output scale is too small for its inputs' scales");
  const IntRange range = QuantizedActivationRange(act, out);
  const MulParams p = MakeMulParams(a.scale[0], static_cast<int32_t>(a.zero_point[0]), b.scale[0],
                                    static_cast<int32_t>(b.zero_point[0]), out.scale[0],
                                    static_cast<int32_t>(out.zero_point[0]), range.min, range.max);
  if (is16) {
    const int16_t *x = a.as<int16_t>(), *y = b.as<int16_t>();
    int16_t* z = out.as<int16_t>();
    return std::make_unique<OpKernel>([shape, p, x, y, z] { ref::Mul(shape, p, x, y, z); });
  }
  const int8_t *x = a.as<int8_t>(), *y = b.as<int8_t>();
  int8_t* z = out.as<int8_t>();
  const MulKernel& kernel = BestKernel(MulKernels(), c.isa);
  if (IsReference(kernel)) return std::make_unique<OpKernel>([shape, p, x, y, z] { ref::Mul(shape, p, x, y, z); });
  // The vector kernel, the samples split over the threads.
  ThreadPool* pool = c.pool;
  const int64_t per_sample = shape.pixels * shape.channels, gate = shape.broadcast ? shape.channels : per_sample;
  const int64_t chunk = std::max<int64_t>(1, ElementwiseChunk(out.elements, pool) / std::max<int64_t>(per_sample, 1));
  const MulRun run = kernel.run;
  return std::make_unique<OpKernel>(
      [shape, p, x, y, z, pool, chunk, per_sample, gate, run] {
        ForEachChunk(pool, shape.samples, chunk, [&](int64_t begin, int64_t end) {
          MulShape part = shape;
          part.samples = end - begin;
          run(part, p, x + begin * per_sample, y + begin * gate, z + begin * per_sample);
        });
      },
      kernel.name);
}

// QUANTIZE of an integer tensor: requantization to another grid and/or type (the boundary between
// a mixed-precision model's int8 and int16 regions).
// Between int8 and int16 (and int16 to int16) on the 16x8 family's vector kernel where the ISA
// has one.
template <typename In, typename Out>
Prepared RequantizeOp(const PrepareContext& c, const RequantizeParams& p, const RuntimeTensor& in,
                      const RuntimeTensor& out) {
  const In* x = in.as<In>();
  Out* y = out.as<Out>();
  const int64_t n = out.elements;
  if constexpr (sizeof(In) == 2 || sizeof(Out) == 2) {
    const Int16Kernels& kernel = BestKernel(Int16KernelSets(), c.isa);
    if (!IsReference(kernel)) {
      RequantizeRun<In, Out> run;
      if constexpr (sizeof(In) == 1) {
        run = kernel.widen;
      } else if constexpr (sizeof(Out) == 1) {
        run = kernel.narrow;
      } else {
        run = kernel.regrid;
      }
      return ChunkedKernel(c.pool, n, [=](int64_t begin, int64_t end) { run(p, begin, end, x, y); },
                           std::string(kernel.name) + " requantize");
    }
  }
  return std::make_unique<OpKernel>([p, x, y, n] { ref::Requantize(p, n, x, y); });
}

Prepared PrepareQuantize(const PrepareContext& c) {
  QF_RETURN_IF_ERROR(CheckUnary(c));
  QF_RETURN_IF_ERROR(CheckDType(c, *c.inputs[0], {qfm::DType::FLOAT32, qfm::DType::INT8, qfm::DType::INT16}));
  QF_RETURN_IF_ERROR(CheckDType(c, *c.outputs[0], {qfm::DType::INT8, qfm::DType::INT16}));
  QF_RETURN_IF_ERROR(CheckPerTensor(c, *c.outputs[0]));
  if (c.inputs[0]->dtype != qfm::DType::FLOAT32) {
    QF_ASSIGN_OR_RETURN(const RequantizeParams p, MakeRequantizeParams(c, *c.inputs[0], *c.outputs[0]));
    const bool in16 = c.inputs[0]->dtype == qfm::DType::INT16, out16 = c.outputs[0]->dtype == qfm::DType::INT16;
    if (in16) return out16 ? RequantizeOp<int16_t, int16_t>(c, p, *c.inputs[0], *c.outputs[0])
                           : RequantizeOp<int16_t, int8_t>(c, p, *c.inputs[0], *c.outputs[0]);
    return out16 ? RequantizeOp<int8_t, int16_t>(c, p, *c.inputs[0], *c.outputs[0])
                 : RequantizeOp<int8_t, int8_t>(c, p, *c.inputs[0], *c.outputs[0]);
  }
  if (c.outputs[0]->dtype == qfm::DType::INT16) return QuantizeOp<int16_t>(c, *c.inputs[0], *c.outputs[0]);
  return QuantizeOp<int8_t>(c, *c.inputs[0], *c.outputs[0]);
}

Prepared PrepareDequantize(const PrepareContext& c) {
  QF_RETURN_IF_ERROR(CheckUnary(c));
  QF_RETURN_IF_ERROR(CheckDType(c, *c.inputs[0], {qfm::DType::INT8, qfm::DType::INT16}));
  QF_RETURN_IF_ERROR(CheckDType(c, *c.outputs[0], {qfm::DType::FLOAT32}));
  QF_RETURN_IF_ERROR(CheckPerTensor(c, *c.inputs[0]));
  if (c.inputs[0]->dtype == qfm::DType::INT16) return DequantizeOp<int16_t>(*c.inputs[0], *c.outputs[0]);
  return DequantizeOp<int8_t>(*c.inputs[0], *c.outputs[0]);
}

// An element-wise unary operator on float, int8 (a 256-entry table of its function) or int16.
template <typename Fn>
Prepared PrepareUnaryWith(const PrepareContext& c, const Fn& fn) {
  QF_RETURN_IF_ERROR(CheckUnary(c));
  const RuntimeTensor &in = *c.inputs[0], &out = *c.outputs[0];
  const int64_t n = out.elements;
  switch (in.dtype) {
    case qfm::DType::FLOAT32: {
      QF_RETURN_IF_ERROR(CheckDType(c, out, {qfm::DType::FLOAT32}));
      const float* x = in.as<float>();
      float* y = out.as<float>();
      return std::make_unique<OpKernel>([x, y, n, fn] { ref::Unary(n, x, y, fn); });
    }
    case qfm::DType::INT8: {
      QF_RETURN_IF_ERROR(CheckQuantizedPair(c, qfm::DType::INT8));
      Int8Table table = MakeUnaryTable(in.scale[0], static_cast<int32_t>(in.zero_point[0]), out.scale[0],
                                       static_cast<int32_t>(out.zero_point[0]), fn);
      const IntRange r = TypeRange(out);
      for (int8_t& v : table) v = static_cast<int8_t>(std::clamp<int32_t>(v, r.min, r.max));
      const int8_t* x = in.as<int8_t>();
      int8_t* y = out.as<int8_t>();
      const LookupKernel& kernel = BestKernel(LookupKernels(), c.isa);
      if (IsReference(kernel)) return std::make_unique<OpKernel>([table, x, y, n] { ref::Lookup(table, n, x, y); });
      ThreadPool* pool = c.pool;
      const int64_t chunk = ElementwiseChunk(n, pool);
      const LookupRun run = kernel.run;
      return std::make_unique<OpKernel>(
          [table, x, y, n, pool, chunk, run] {
            ForEachChunk(pool, n, chunk, [&](int64_t begin, int64_t end) { run(table, begin, end, x, y); });
          },
          kernel.name);
    }
    case qfm::DType::INT16: {
      QF_RETURN_IF_ERROR(CheckQuantizedPair(c, qfm::DType::INT16));
      const double si = in.scale[0], so = out.scale[0];
      const int16_t* x = in.as<int16_t>();
      int16_t* y = out.as<int16_t>();
      return std::make_unique<OpKernel>([si, so, x, y, n, fn] { ref::Unary(si, so, n, x, y, fn); });
    }
    default: return c.Error(std::string("has no kernel for type ") + qfm::EnumNameDType(in.dtype));
  }
}

template <typename Fn>
Prepared PrepareUnary(const PrepareContext& c) {
  return PrepareUnaryWith(c, Fn{});
}

// The element-wise unary operators' functions, F<float> for float tensors, F<double> for
// quantized ones.
struct HardSwishFn {  // x * relu6(x + 3) / 6 (Howard et al. 2019, MobileNetV3)
  template <typename Real>
  static Real F(Real x) {
    return x * std::clamp(x + Real(3), Real(0), Real(6)) / Real(6);
  }
};

struct HardSigmoidFn {  // relu6(x + 3) / 6
  template <typename Real>
  static Real F(Real x) {
    return std::clamp(x + Real(3), Real(0), Real(6)) / Real(6);
  }
};
struct SigmoidFn {
  template <typename Real>
  static Real F(Real x) {
    return Real(1) / (Real(1) + std::exp(-x));
  }
};
struct SiluFn {  // x * sigmoid(x)
  template <typename Real>
  static Real F(Real x) {
    return x / (Real(1) + std::exp(-x));
  }
};

struct ClipFn {  // clamp(x, min, max), the bounds from the operator's options
  double min, max;
  template <typename Real>
  Real F(Real x) const {
    return std::clamp(x, static_cast<Real>(min), static_cast<Real>(max));
  }
};

Prepared PrepareClip(const PrepareContext& c) {
  const qfm::ClipOptions* o = c.op->options_as_ClipOptions();
  if (!std::isfinite(o->min()) || !std::isfinite(o->max()) || !(o->min() < o->max()))
    return c.Error("the bounds must be finite with min < max");
  return PrepareUnaryWith(c, ClipFn{o->min(), o->max()});
}

Prepared PrepareSoftmax(const PrepareContext& c) {
  QF_RETURN_IF_ERROR(CheckUnary(c));
  const RuntimeTensor &in = *c.inputs[0], &out = *c.outputs[0];
  const float beta = c.op->options_as_SoftmaxOptions()->beta();
  if (!(beta > 0.0f) || !std::isfinite(beta)) return c.Error("beta must be positive and finite");
  int rows = 0, depth = 0;
  RowsAndDepth(out, &rows, &depth);
  switch (in.dtype) {
    case qfm::DType::FLOAT32: {
      QF_RETURN_IF_ERROR(CheckDType(c, out, {qfm::DType::FLOAT32}));
      const float* x = in.as<float>();
      float* y = out.as<float>();
      return std::make_unique<OpKernel>([beta, rows, depth, x, y] { ref::Softmax(beta, rows, depth, x, y); });
    }
    case qfm::DType::INT8: {
      QF_RETURN_IF_ERROR(CheckQuantizedPair(c, qfm::DType::INT8));
      const GridParams grid = SoftmaxOutputGrid(false);
      if (out.scale[0] != grid.scale || out.zero_point[0] != grid.zero_point)
        return c.Error("int8 softmax output must have scale 1/256 and zero point -128");
      const ExpTable table = MakeSoftmaxExpTable(in.scale[0], beta);
      const int8_t* x = in.as<int8_t>();
      int8_t* y = out.as<int8_t>();
      return std::make_unique<OpKernel>([table, rows, depth, x, y] { ref::Softmax(table, rows, depth, x, y); });
    }
    case qfm::DType::INT16: {
      QF_RETURN_IF_ERROR(CheckQuantizedPair(c, qfm::DType::INT16));
      if (out.scale[0] != SoftmaxOutputGrid(true).scale) return c.Error("int16 softmax output must have scale 1/32768");
      const double s = in.scale[0];
      const int16_t* x = in.as<int16_t>();
      int16_t* y = out.as<int16_t>();
      auto scratch = std::make_shared<std::vector<double>>(depth);
      return std::make_unique<OpKernel>(
          [s, beta, rows, depth, x, y, scratch] { ref::Softmax(s, beta, rows, depth, x, y, scratch->data()); });
    }
    default: return c.Error(std::string("has no kernel for type ") + qfm::EnumNameDType(in.dtype));
  }
}

}  // namespace

const std::vector<OpPreparer>& ElementwisePreparers() {
  static const std::vector<OpPreparer> table = {
      {qfm::OpType::ADD, PrepareAdd},
      {qfm::OpType::MUL, PrepareMul},
      {qfm::OpType::QUANTIZE, PrepareQuantize},
      {qfm::OpType::DEQUANTIZE, PrepareDequantize},
      {qfm::OpType::SOFTMAX, PrepareSoftmax},
  };
  return table;
}

const std::vector<OpPreparer>& UnaryPreparers() {
  static const std::vector<OpPreparer> table = {
      {qfm::OpType::HARD_SWISH, PrepareUnary<HardSwishFn>},
      {qfm::OpType::HARD_SIGMOID, PrepareUnary<HardSigmoidFn>},
      {qfm::OpType::SIGMOID, PrepareUnary<SigmoidFn>},
      {qfm::OpType::SILU, PrepareUnary<SiluFn>},
      {qfm::OpType::CLIP, PrepareClip},
  };
  return table;
}

}  // namespace qforge::runtime::ops
