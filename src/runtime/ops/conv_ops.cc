// Preparers of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED for every mode: int8, 16x8
// (int16 activations), float (float32 or float16 weights) and dynamic range (float
// activations, int8 weights).
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "runtime/float16.h"
#include "runtime/kernels/conv_gemm.h"
#include "runtime/kernels/depthwise.h"
#include "runtime/kernels/float_conv.h"
#include "runtime/kernels/gemm.h"
#include "runtime/kernels/hybrid.h"
#include "runtime/kernels/int16_kernels.h"
#include "runtime/kernels/kernel_family.h"
#include "runtime/kernels/ref/conv_ref.h"
#include "runtime/kernels/ref/float_ref.h"
#include "runtime/kernels/ref/hybrid_ref.h"
#include "runtime/kernels/sparse_gemm.h"
#include "runtime/ops/op_checks.h"
#include "runtime/ops/preparers.h"
#include "runtime/quant_math.h"

namespace qforge::runtime::ops {
namespace {

enum class Kind { kConv, kDepthwise, kDense };

// Validated shapes of one layer.
struct Layer {
  Kind kind = Kind::kConv;
  ConvGeometry g;        // convolutions
  int batch = 0, in = 0;  // dense: [batch, in] x [out, in]^T
  int out_c = 0;
  int weight_axis = 0;  // the filter dimension of the output channels
  qfm::Activation activation = qfm::Activation::NONE;
  const RuntimeTensor *input = nullptr, *filter = nullptr, *bias = nullptr, *output = nullptr;
};

StatusOr<Layer> CheckLayer(const PrepareContext& c, Kind kind) {
  QF_RETURN_IF_ERROR(CheckArity(c, 2, 3, 1));
  QF_RETURN_IF_ERROR(CheckPresent(c, {0, 1}));
  Layer l;
  l.kind = kind;
  l.input = c.inputs[0];
  l.filter = c.inputs[1];
  l.bias = c.inputs.size() > 2 ? c.inputs[2] : nullptr;
  l.output = c.outputs[0];
  QF_RETURN_IF_ERROR(CheckConstant(c, *l.filter, true));
  if (l.bias) QF_RETURN_IF_ERROR(CheckConstant(c, *l.bias, true));
  QF_RETURN_IF_ERROR(CheckConstant(c, *l.input, false));
  if (kind == Kind::kDense) {
    l.activation = c.op->options_as_FullyConnectedOptions()->activation();
    QF_RETURN_IF_ERROR(CheckRank(c, *l.input, 2));
    QF_RETURN_IF_ERROR(CheckRank(c, *l.filter, 2));
    QF_RETURN_IF_ERROR(CheckRank(c, *l.output, 2));
    l.batch = l.input->shape[0];
    l.in = l.input->shape[1];
    l.out_c = l.filter->shape[0];
    if (l.filter->shape[1] != l.in || l.output->shape[0] != l.batch || l.output->shape[1] != l.out_c)
      return c.Error("input " + ShapeString(l.input->shape) + ", weights " + ShapeString(l.filter->shape) +
                     " and output " + ShapeString(l.output->shape) + " do not fit together");
  } else {
    const qfm::Conv2DOptions& o = *c.op->options_as_Conv2DOptions();
    l.activation = o.activation();
    QF_RETURN_IF_ERROR(CheckRank(c, *l.filter, 4));
    QF_ASSIGN_OR_RETURN(l.g, MakeGeometry(c, *l.input, *l.output, WindowOf(o, l.filter->shape[1], l.filter->shape[2])));
    l.out_c = l.g.out_c;
    if (kind == Kind::kConv) {
      if (l.filter->shape[0] != l.out_c || l.filter->shape[3] != l.g.in_c)
        return c.Error("weights " + ShapeString(l.filter->shape) + " do not fit input " +
                       ShapeString(l.input->shape) + " and output " + ShapeString(l.output->shape) +
                       " (expected [out_c, kh, kw, in_c])");
    } else {
      l.weight_axis = 3;
      if (l.filter->shape[0] != 1 || l.filter->shape[3] != l.out_c ||
          l.out_c != l.g.in_c * o.depth_multiplier())
        return c.Error("weights " + ShapeString(l.filter->shape) + " do not fit input " +
                       ShapeString(l.input->shape) + " and output " + ShapeString(l.output->shape) +
                       " (expected [1, kh, kw, in_c * depth_multiplier])");
    }
  }
  if (l.bias && (l.bias->shape.size() != 1 || l.bias->shape[0] != l.out_c))
    return c.Error("bias has shape " + ShapeString(l.bias->shape) + ", expected [" + std::to_string(l.out_c) + "]");
  return l;
}

// Per-channel multipliers of an integer layer, kept alive by the kernel; q points into them.
struct RequantTable {
  std::vector<int32_t> multiplier, shift;
  Requantization q;
};

// The accumulators of an integer layer: int32 (int8 activations) or int64 (16x8).
enum class Accumulator { kInt32, kInt64 };

StatusOr<std::shared_ptr<RequantTable>> MakeRequant(const PrepareContext& c, const Layer& l, Accumulator accumulator) {
  const bool is16 = accumulator == Accumulator::kInt64;
  QF_RETURN_IF_ERROR(CheckPerTensor(c, *l.input));
  QF_RETURN_IF_ERROR(CheckPerTensor(c, *l.output));
  QF_RETURN_IF_ERROR(CheckWeightQuantization(c, *l.filter, l.weight_axis, l.out_c));
  auto t = std::make_shared<RequantTable>();
  for (int ch = 0; ch < l.out_c; ++ch) {
    const double m = static_cast<double>(l.input->scale[0]) * ScaleAt(*l.filter, ch) / l.output->scale[0];
    if (is16 ? !IsEncodableMultiplier64(m) : !(IsEncodableMultiplier(m) && m > 0.0))
      return c.Error("output multiplier " + std::to_string(m) + " of channel " + std::to_string(ch) + " cannot be encoded");
    const QuantizedMultiplier qm = QuantizeMultiplier(m);
    t->multiplier.push_back(qm.multiplier);
    t->shift.push_back(qm.shift);
  }
  if (l.bias && l.bias->quantized()) {
    for (int ch = 0; ch < l.out_c; ++ch) {
      const double want = static_cast<double>(l.input->scale[0]) * ScaleAt(*l.filter, ch);
      if (std::abs(ScaleAt(*l.bias, ch) - want) > 1e-4 * want)
        return c.Error("bias scale of channel " + std::to_string(ch) + " is not input scale x weight scale");
    }
  }
  if (is16 && l.bias) {
    for (int64_t i = 0; i < l.bias->elements; ++i)
      if (std::abs(l.bias->as<int64_t>()[i]) > (int64_t{1} << 40))
        return c.Error("an int64 bias exceeds 2^40, beyond the 16x8 accumulator's headroom");
  }
  const IntRange act = QuantizedActivationRange(l.activation, *l.output);
  t->q.input_zero_point = static_cast<int32_t>(l.input->zero_point[0]);
  t->q.output_zero_point = static_cast<int32_t>(l.output->zero_point[0]);
  t->q.act_min = act.min;
  t->q.act_max = act.max;
  t->q.multiplier = t->multiplier.data();
  t->q.shift = t->shift.data();
  return t;
}

template <typename Act, typename Bias>
std::unique_ptr<OpKernel> IntegerKernel(const Layer& l, std::shared_ptr<RequantTable> t) {
  const Act* in = l.input->as<Act>();
  const int8_t* w = l.filter->as<int8_t>();
  const Bias* b = l.bias ? l.bias->as<Bias>() : nullptr;
  Act* out = l.output->as<Act>();
  return std::make_unique<OpKernel>([l, t, in, w, b, out] {
    switch (l.kind) {
      case Kind::kConv: return ref::Conv2D(l.g, t->q, in, w, b, out);
      case Kind::kDepthwise: return ref::DepthwiseConv2D(l.g, t->q, in, w, b, out);
      case Kind::kDense: return ref::FullyConnected(l.batch, l.in, l.out_c, t->q, in, w, b, out);
    }
  });
}

// The GEMM kernel for a layer: weights on a grid of at most 4 bits ([-8, 7]) take the sub-byte
// family (packed two per byte) where the ISA has it — but not a convolution whose kernel rows
// would need more groups of 4 in pairs than alone (a stem's 3 x 3 taps of 3 channels: 3 groups
// in 2 pairs), where the padding costs more than the halved weight bytes save.
const GemmKernel& GemmKernelFor(const Layer& l, Isa isa) {
  const GemmKernel& sub_byte = BestKernel(SubByteGemmKernels(), isa);
  const int run = l.g.kernel_w * l.g.in_c;
  const bool segmented = l.kind == Kind::kConv && !IsOneByOne(l.g) && l.g.dilation_w == 1;
  const bool padded_pairs = segmented && (run + 7) / 8 * 2 != (run + 3) / 4;
  if (l.filter->bits >= 1 && l.filter->bits <= 4 && !IsReference(sub_byte) && !padded_pairs) return sub_byte;
  return BestKernel(GemmKernels(), isa);
}

// A pruned int8 convolution or dense layer on the sparse kernel, where the ISA has it and its
// cost model expects it to beat the dense kernel on this layer's weights and rows; else null.
std::unique_ptr<OpKernel> SparseInt8Kernel(const PrepareContext& c, const Layer& l, const RequantTable& t) {
  const SparseGemmKernel& kernel = BestKernel(SparseGemmKernels(), c.isa);
  if (!c.sparse_kernels || IsReference(kernel)) return nullptr;
  const int8_t* w = l.filter->as<int8_t>();
  const int32_t* bias = l.bias ? l.bias->as<int32_t>() : nullptr;
  // On several threads a padded-band convolution must be expected to be twice as fast: its
  // panels scale worse than the dense kernel when both cores run them (lenet5's block-pruned
  // conv2 on this 2-core machine: 1.53x the dense kernel on one thread, 0.82x on two;
  // bench/RESULTS.md). Dense layers and 1x1 convolutions scale as the dense kernel does.
  const bool banded = l.kind == Kind::kConv && !IsOneByOne(l.g);
  const double required = banded && c.pool && c.pool->size() > 1 ? 2.0 : 1.0;
  if (l.kind == Kind::kConv ? !ConvGemm::ChooseSparse(l.g, w, required) : !ChooseSparseGemm(l.out_c, l.in, w, l.batch, required))
    return nullptr;
  const int8_t* in = l.input->as<int8_t>();
  int8_t* out = l.output->as<int8_t>();
  if (l.kind == Kind::kDense) {
    auto runner = std::make_shared<SparseGemmRunner>(PackSparseGemm(kernel, l.out_c, l.in, w, bias, t.q), l.batch, c.pool);
    const int batch = l.batch, in_features = l.in, out_features = l.out_c;
    return std::make_unique<OpKernel>(
        [runner, batch, in_features, out_features, in, out] {
          runner->Run(batch, in, in_features, 0x80, out, out_features);
        },
        kernel.name);
  }
  auto conv = std::make_shared<ConvGemm>(l.g, kernel, w, bias, t.q, c.pool);
  return std::make_unique<OpKernel>([conv, in, out] { conv->Run(in, out); },
                                    kernel.name + std::string(conv->direct() ? " (1x1 direct)" : " (padded runs)"));
}

// int8 convolutions and dense layers on the best GEMM kernel, depthwise convolutions (depth
// multiplier 1) on the best depthwise kernel, under the interpreter's ISA; the rest, and the
// reference entries, run the reference.
std::unique_ptr<OpKernel> Int8Kernel(const PrepareContext& c, const Layer& l, std::shared_ptr<RequantTable> t) {
  const int8_t* in = l.input->as<int8_t>();
  int8_t* out = l.output->as<int8_t>();
  const int32_t* bias = l.bias ? l.bias->as<int32_t>() : nullptr;
  if (l.kind == Kind::kDepthwise) {
    const DepthwiseKernel& kernel = BestKernel(DepthwiseKernels(), c.isa);
    if (IsReference(kernel) || l.g.out_c != l.g.in_c) return IntegerKernel<int8_t, int32_t>(l, t);
    auto runner = std::make_shared<DepthwiseRunner>(PackDepthwise(kernel, l.g, l.filter->as<int8_t>(), bias, t->q), c.pool);
    return std::make_unique<OpKernel>([runner, in, out] { runner->Run(in, out); }, kernel.name);
  }
  const GemmKernel& kernel = GemmKernelFor(l, c.isa);
  if (IsReference(kernel)) return IntegerKernel<int8_t, int32_t>(l, t);
  if (std::unique_ptr<OpKernel> sparse = SparseInt8Kernel(c, l, *t)) return sparse;
  if (l.kind == Kind::kDense) {
    auto runner = std::make_shared<GemmRunner>(PackGemm(kernel, l.out_c, l.in, l.filter->as<int8_t>(), bias, t->q), c.pool);
    const int batch = l.batch, in_features = l.in, out_features = l.out_c;
    return std::make_unique<OpKernel>(
        [runner, batch, in_features, out_features, in, out] { runner->Run(batch, in, in_features, out, out_features); },
        kernel.name);
  }
  auto conv = std::make_shared<ConvGemm>(l.g, kernel, l.filter->as<int8_t>(), bias, t->q, c.pool);
  const std::string how = conv->direct()      ? " (1x1 direct)"
                          : conv->segmented() ? " (padded runs)"
                          : conv->word_rows() ? " (im2col, word rows)"
                                              : " (im2col)";
  return std::make_unique<OpKernel>([conv, in, out] { conv->Run(in, out); }, kernel.name + how);
}

// A dense layer on packed float or 16x8 GEMM weights, rows split over the threads.
template <typename T, typename Weights>
std::unique_ptr<OpKernel> DenseGemmKernel(const PrepareContext& c, const Layer& l, Weights weights, std::string name) {
  auto packed = std::make_shared<Weights>(std::move(weights));
  ThreadPool* pool = c.pool;
  const T* in = l.input->as<T>();
  T* out = l.output->as<T>();
  const int batch = l.batch, in_features = l.in, out_features = l.out_c;
  return std::make_unique<OpKernel>(
      [packed, pool, batch, in_features, out_features, in, out] {
        RunGemmOnPool(pool, *packed, batch, in, in_features, out, out_features);
      },
      std::move(name));
}

// 16x8 convolutions, dense layers and depthwise convolutions (Int16DepthwiseFits) on the best
// 16x8 kernels under the interpreter's ISA; the rest, and the reference entry, on the reference.
std::unique_ptr<OpKernel> Int16Kernel(const PrepareContext& c, const Layer& l, std::shared_ptr<RequantTable> t) {
  const Int16Kernels& kernel = BestKernel(Int16KernelSets(), c.isa);
  if (IsReference(kernel) || (l.kind == Kind::kDepthwise && !Int16DepthwiseFits(l.g)))
    return IntegerKernel<int16_t, int64_t>(l, t);
  const int16_t* in = l.input->as<int16_t>();
  int16_t* out = l.output->as<int16_t>();
  const int64_t* bias = l.bias ? l.bias->as<int64_t>() : nullptr;
  if (l.kind == Kind::kDepthwise) {
    auto depthwise = std::make_shared<Int16Depthwise>(l.g, kernel, l.filter->as<int8_t>(), bias, t->q, c.pool);
    return std::make_unique<OpKernel>([depthwise, in, out] { depthwise->Run(in, out); },
                                      std::string(kernel.name) + " depthwise");
  }
  if (l.kind == Kind::kDense)
    return DenseGemmKernel<int16_t>(c, l, PackInt16Gemm(kernel, l.out_c, l.in, 1, l.filter->as<int8_t>(), bias, t->q),
                                    std::string(kernel.name) + " gemm");
  auto conv = std::make_shared<Int16Conv>(l.g, kernel, l.filter->as<int8_t>(), bias, t->q, c.pool);
  return std::make_unique<OpKernel>([conv, in, out] { conv->Run(in, out); },
                                    std::string(kernel.name) + " conv (" + conv->form() + ")");
}

// Float32 weights, or float16 ones widened once here. Dense layers, convolutions and depthwise
// convolutions (depth multiplier 1) on the best float kernels under the interpreter's ISA; the
// rest, and the reference entry, on the reference.
std::unique_ptr<OpKernel> FloatKernel(const PrepareContext& c, const Layer& l) {
  auto widened = std::make_shared<std::vector<float>>();
  const float* w = l.filter->as<float>();
  if (l.filter->dtype == qfm::DType::FLOAT16) {
    const uint16_t* h = l.filter->as<uint16_t>();
    widened->resize(static_cast<size_t>(l.filter->elements));
    for (int64_t i = 0; i < l.filter->elements; ++i) (*widened)[i] = HalfToFloat(h[i]);
    w = widened->data();
  }
  const float* b = l.bias ? l.bias->as<float>() : nullptr;
  const float* in = l.input->as<float>();
  float* out = l.output->as<float>();
  const ref::FloatActivation act = FloatActivationRange(l.activation);
  const FloatKernels& kernel = BestKernel(FloatKernelSets(), c.isa);
  if (!IsReference(kernel)) {
    const std::string name = kernel.name;
    if (l.kind == Kind::kDense)
      return DenseGemmKernel<float>(c, l, PackFloatGemm(kernel, l.out_c, l.in, w, b, act), name + " gemm");
    if (l.kind == Kind::kConv) {
      auto conv = std::make_shared<FloatConv>(l.g, kernel, w, b, act, c.pool);
      return std::make_unique<OpKernel>([conv, in, out] { conv->Run(in, out); },
                                        name + " conv (" + conv->form() + ")");
    }
    if (l.g.out_c == l.g.in_c) {
      auto depthwise = std::make_shared<FloatDepthwise>(l.g, kernel, w, b, act, c.pool);
      return std::make_unique<OpKernel>([depthwise, in, out] { depthwise->Run(in, out); }, name + " depthwise");
    }
  }
  return std::make_unique<OpKernel>([l, widened, w, b, in, out, act] {
    switch (l.kind) {
      case Kind::kConv: return ref::Conv2D(l.g, act, in, w, b, out);
      case Kind::kDepthwise: return ref::DepthwiseConv2D(l.g, act, in, w, b, out);
      case Kind::kDense: return ref::FullyConnected(l.batch, l.in, l.out_c, act, in, w, b, out);
    }
  });
}

// Dense layers (1x1 convolutions over [batch, 1, 1, in]), convolutions and depthwise
// convolutions on the optimized dynamic-range layers where the ISA has them, else the reference.
StatusOr<std::unique_ptr<OpKernel>> HybridKernel(const PrepareContext& c, const Layer& l) {
  QF_RETURN_IF_ERROR(CheckWeightQuantization(c, *l.filter, l.weight_axis, l.out_c));
  ConvGeometry g = l.g;
  if (l.kind == Kind::kDense) {
    g = ConvGeometry{};
    g.batch = l.batch;
    g.in_c = l.in;
    g.out_c = l.out_c;
  }
  const auto kind = l.kind == Kind::kDepthwise ? HybridLayer::Kind::kDepthwise : HybridLayer::Kind::kConv;
  if (HybridLayer::Supported(kind, g, c.isa)) {
    std::vector<float> scales;
    for (int ch = 0; ch < l.out_c; ++ch) scales.push_back(ScaleAt(*l.filter, ch));
    auto layer = std::make_shared<HybridLayer>(kind, g, c.isa, l.filter->as<int8_t>(), scales.data(),
                                               l.bias ? l.bias->as<float>() : nullptr,
                                               FloatActivationRange(l.activation), c.pool);
    const float* in = l.input->as<float>();
    float* out = l.output->as<float>();
    return std::make_unique<OpKernel>([layer, in, out] { layer->Run(in, out); }, layer->name());
  }
  struct State {
    std::vector<float> scales;
    std::vector<int8_t> scratch;
  };
  auto s = std::make_shared<State>();
  for (int ch = 0; ch < l.out_c; ++ch) s->scales.push_back(ScaleAt(*l.filter, ch));
  s->scratch.resize(l.kind == Kind::kDense ? l.in : static_cast<size_t>(l.g.in_h) * l.g.in_w * l.g.in_c);
  ref::HybridWeights w;
  w.filter = l.filter->as<int8_t>();
  w.filter_scale = s->scales.data();
  w.bias = l.bias ? l.bias->as<float>() : nullptr;
  const float* in = l.input->as<float>();
  float* out = l.output->as<float>();
  const ref::FloatActivation act = FloatActivationRange(l.activation);
  return std::make_unique<OpKernel>([l, s, w, in, out, act] {
    switch (l.kind) {
      case Kind::kConv: return ref::Conv2D(l.g, act, in, w, s->scratch.data(), out);
      case Kind::kDepthwise: return ref::DepthwiseConv2D(l.g, act, in, w, s->scratch.data(), out);
      case Kind::kDense: return ref::FullyConnected(l.batch, l.in, l.out_c, act, in, w, s->scratch.data(), out);
    }
  });
}

StatusOr<std::unique_ptr<OpKernel>> PrepareLayer(const PrepareContext& c, Kind kind) {
  QF_ASSIGN_OR_RETURN(const Layer l, CheckLayer(c, kind));
  using qfm::DType;
  const DType in = l.input->dtype, w = l.filter->dtype, out = l.output->dtype;
  const DType bias = l.bias ? l.bias->dtype : DType::FLOAT32;
  if (in == DType::INT8 && w == DType::INT8 && out == DType::INT8 && (!l.bias || bias == DType::INT32)) {
    QF_ASSIGN_OR_RETURN(auto table, MakeRequant(c, l, Accumulator::kInt32));
    return Int8Kernel(c, l, table);
  }
  if (in == DType::INT16 && w == DType::INT8 && out == DType::INT16 && (!l.bias || bias == DType::INT64)) {
    QF_ASSIGN_OR_RETURN(auto table, MakeRequant(c, l, Accumulator::kInt64));
    return Int16Kernel(c, l, table);
  }
  if (in == DType::FLOAT32 && out == DType::FLOAT32 && bias == DType::FLOAT32) {
    if (w == DType::FLOAT32 || w == DType::FLOAT16) return FloatKernel(c, l);
    if (w == DType::INT8) return HybridKernel(c, l);
  }
  return c.Error(std::string("has no kernel for input ") + qfm::EnumNameDType(in) + ", weights " +
                 qfm::EnumNameDType(w) + ", bias " + (l.bias ? qfm::EnumNameDType(bias) : "none") +
                 ", output " + qfm::EnumNameDType(out));
}

template <Kind kind>
Prepared Prepare(const PrepareContext& c) {
  return PrepareLayer(c, kind);
}

}  // namespace

const std::vector<OpPreparer>& ConvPreparers() {
  static const std::vector<OpPreparer> table = {
      {qfm::OpType::CONV_2D, Prepare<Kind::kConv>},
      {qfm::OpType::DEPTHWISE_CONV_2D, Prepare<Kind::kDepthwise>},
      {qfm::OpType::FULLY_CONNECTED, Prepare<Kind::kDense>},
  };
  return table;
}

}  // namespace qforge::runtime::ops
