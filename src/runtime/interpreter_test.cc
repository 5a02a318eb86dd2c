// Interpreter tests: hand-made models run and match the reference kernels; batch sizes;
// per-tensor fp16 and dynamic-range layers; the arena reuses memory; two interpreters share
// one Model across threads; every malformed graph fails in Create with an error naming the
// operator or tensor.
#include "runtime/interpreter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "runtime/float16.h"
#include "runtime/kernels/gemm.h"
#include "runtime/kernels/kernel_family.h"
#include "runtime/kernels/ref/conv_ref.h"
#include "runtime/kernels/sparse_gemm.h"
#include "runtime/model/model_writer.h"
#include "runtime/quant_math.h"

namespace qforge::runtime {
namespace {

using qfm::DType;
using qfm::OpType;

QuantParams Q(float scale, int64_t zp) { return QuantParams{{scale}, {zp}, 0}; }

std::shared_ptr<const Model> Load(const ModelWriter& w) {
  const std::vector<uint8_t> bytes = w.Serialize();
  auto m = Model::FromBytes(bytes.data(), bytes.size(), "test.qfm");
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : nullptr;
}

std::string CreateError(const ModelWriter& w, int batch = 1) {
  auto model = Load(w);
  if (!model) return "model did not load";
  auto it = Interpreter::Create(model, {batch});
  return it.ok() ? "" : it.status().message();
}

qfm::OptionsUnion FcOptions(qfm::Activation act = qfm::Activation::NONE) {
  qfm::OptionsUnion u;
  qfm::FullyConnectedOptionsT o;
  o.activation = act;
  u.Set(o);
  return u;
}

// float [1,3] -> QUANTIZE -> int8 FC (weights [2,3] per channel, bias) ReLU -> DEQUANTIZE.
struct FcModel {
  ModelWriter w;
  std::vector<int8_t> weights{10, -20, 30, -127, 5, 60};
  std::vector<int32_t> bias{100, -50};
  std::vector<float> weight_scale{0.01f, 0.02f};
  FcModel() {
    const QuantParams in_q = Q(0.05f, -10), out_q = Q(0.1f, -128);
    const QuantParams w_q{weight_scale, {0, 0}, 0};
    const QuantParams b_q{{0.05f * 0.01f, 0.05f * 0.02f}, {0, 0}, 0};
    const int x = w.AddActivation("x", DType::FLOAT32, {1, 3});
    const int xq = w.AddActivation("x_q", DType::INT8, {1, 3}, &in_q);
    const int wt = w.AddConstant("w", DType::INT8, {2, 3}, weights, &w_q);
    const int bt = w.AddConstant("b", DType::INT32, {2}, bias, &b_q);
    const int yq = w.AddActivation("y_q", DType::INT8, {1, 2}, &out_q);
    const int y = w.AddActivation("y", DType::FLOAT32, {1, 2});
    w.AddOperator(OpType::QUANTIZE, {x}, {xq});
    w.AddOperator(OpType::FULLY_CONNECTED, {xq, wt, bt}, {yq}, FcOptions(qfm::Activation::RELU));
    w.AddOperator(OpType::DEQUANTIZE, {yq}, {y});
    w.SetInputs({x});
    w.SetOutputs({y});
  }
};

TEST(Interpreter, RunsAnInt8ModelLikeTheReferenceKernels) {
  FcModel fc;
  auto model = Load(fc.w);
  ASSERT_TRUE(model);
  for (int batch : {1, 3}) {
    auto it = Interpreter::Create(model, {batch});
    ASSERT_TRUE(it.ok()) << it.status().ToString();
    Interpreter& interp = **it;
    EXPECT_EQ(interp.input(0).shape, (std::vector<int>{batch, 3}));
    std::vector<float> x(3 * batch), y(2 * batch);
    for (int i = 0; i < 3 * batch; ++i) x[i] = 0.37f * i - 1.1f;
    ASSERT_TRUE(interp.SetInput(0, x.data(), x.size() * 4).ok());
    ASSERT_TRUE(interp.Invoke().ok());
    ASSERT_TRUE(interp.GetOutput(0, y.data(), y.size() * 4).ok());
    // Expected: the same steps by hand with the reference kernel.
    std::vector<int8_t> xq(3 * batch), yq(2 * batch);
    for (int i = 0; i < 3 * batch; ++i) xq[i] = QuantizeToInt8(x[i], 0.05, -10);
    std::vector<int32_t> mult, shift;
    for (float s : fc.weight_scale) {
      const QuantizedMultiplier m = QuantizeMultiplier(0.05 * s / 0.1);
      mult.push_back(m.multiplier);
      shift.push_back(m.shift);
    }
    Requantization q;
    q.input_zero_point = -10;
    q.output_zero_point = -128;
    q.multiplier = mult.data();
    q.shift = shift.data();
    ref::FullyConnected(batch, 3, 2, q, xq.data(), fc.weights.data(), fc.bias.data(), yq.data());
    for (int i = 0; i < 2 * batch; ++i) EXPECT_EQ(y[i], (yq[i] + 128) * 0.1f) << i;
  }
}

// A 4-bit output grid in an int8 container: results are clamped to [-8, 7], fused ReLU within.
TEST(Interpreter, NbitOutputsAreClampedToTheirGrid) {
  for (bool relu : {false, true}) {
    ModelWriter w;
    const QuantParams in_q = Q(1.0f, 0), w_q = Q(1.0f, 0);
    QuantParams out_q = Q(1.0f, 0);
    out_q.bits = 4;
    const int x = w.AddActivation("x", DType::INT8, {1, 2}, &in_q);
    const int wt = w.AddConstant("w", DType::INT8, {3, 2}, std::vector<int8_t>{10, 0, -10, 0, 3, 0}, &w_q);
    const int y = w.AddActivation("y", DType::INT8, {1, 3}, &out_q);
    w.AddOperator(OpType::FULLY_CONNECTED, {x, wt, -1}, {y}, FcOptions(relu ? qfm::Activation::RELU : qfm::Activation::NONE));
    w.SetInputs({x});
    w.SetOutputs({y});
    auto it = Interpreter::Create(Load(w));
    ASSERT_TRUE(it.ok()) << it.status().message();
    const int8_t in[2] = {1, 5};
    int8_t out[3];
    ASSERT_TRUE((*it)->SetInput(0, in, 2).ok());
    ASSERT_TRUE((*it)->Invoke().ok());
    ASSERT_TRUE((*it)->GetOutput(0, out, 3).ok());
    EXPECT_EQ(out[0], 7);  // 10 -> the 4-bit maximum
    EXPECT_EQ(out[1], relu ? 0 : -8);
    EXPECT_EQ(out[2], 3);
  }
  ModelWriter bad;  // a bit width the type cannot hold
  QuantParams q = Q(1.0f, 0);
  q.bits = 9;
  const int x = bad.AddActivation("x", DType::INT8, {1, 2}, &q);
  const int y = bad.AddActivation("y", DType::INT8, {1, 2}, &q);
  bad.AddOperator(OpType::RESHAPE, {x}, {y});
  bad.SetInputs({x});
  bad.SetOutputs({y});
  const std::vector<uint8_t> bytes = bad.Serialize();
  const std::string message = Model::FromBytes(bytes.data(), bytes.size(), "m").status().message();
  EXPECT_NE(message.find("impossible bit width 9"), std::string::npos) << message;
}

TEST(Interpreter, InputAndOutputSizesAreChecked) {
  FcModel fc;
  auto it = Interpreter::Create(Load(fc.w));
  ASSERT_TRUE(it.ok());
  float x[4] = {};
  const Status s = (*it)->SetInput(0, x, sizeof x);
  EXPECT_NE(s.message().find("input 'x' [1, 3] FLOAT32 takes 12 bytes, got 16"), std::string::npos) << s.message();
  EXPECT_FALSE((*it)->SetInput(1, x, 12).ok());
  EXPECT_FALSE((*it)->GetOutput(0, x, 4).ok());
}

TEST(Interpreter, SeparateInterpretersShareOneModelAcrossThreads) {
  FcModel fc;
  auto model = Load(fc.w);
  std::vector<float> results[2];
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      auto it = Interpreter::Create(model, {4});
      if (!it.ok()) return;
      std::vector<float> x(12);
      for (int i = 0; i < 12; ++i) x[i] = 0.1f * i - 0.5f;
      results[t].resize(8);
      for (int rep = 0; rep < 200; ++rep) {
        (void)(*it)->SetInput(0, x.data(), 48);
        (void)(*it)->Invoke();
      }
      (void)(*it)->GetOutput(0, results[t].data(), 32);
    });
  for (auto& th : threads) th.join();
  ASSERT_EQ(results[0].size(), 8u);
  EXPECT_EQ(results[0], results[1]);
}

// A chain of float dense layers: the arena holds two activations at a time, not all of them.
TEST(Interpreter, ArenaReusesMemoryAlongAChain) {
  ModelWriter w;
  int x = w.AddActivation("x", DType::FLOAT32, {1, 64});
  const int first = x;
  for (int i = 0; i < 6; ++i) {
    const std::vector<float> weights(64 * 64, 0.01f);
    const std::string index = std::to_string(i);
    const int wt = w.AddConstant("w" + index, DType::FLOAT32, {64, 64}, weights);
    const int y = w.AddActivation("h" + index, DType::FLOAT32, {1, 64});
    w.AddOperator(OpType::FULLY_CONNECTED, {x, wt, -1}, {y}, FcOptions());
    x = y;
  }
  w.SetInputs({first});
  w.SetOutputs({x});
  auto it = Interpreter::Create(Load(w), {16});
  ASSERT_TRUE(it.ok()) << it.status().ToString();
  const ArenaStats& s = (*it)->arena_stats();
  EXPECT_EQ(s.naive_bytes, 7 * 16 * 64 * 4);
  EXPECT_EQ(s.lower_bound_bytes, 2 * 16 * 64 * 4);
  EXPECT_EQ(s.peak_bytes, s.lower_bound_bytes);
  std::vector<float> in(16 * 64, 1.0f), out(16 * 64);
  ASSERT_TRUE((*it)->SetInput(0, in.data(), in.size() * 4).ok());
  ASSERT_TRUE((*it)->Invoke().ok());
  ASSERT_TRUE((*it)->GetOutput(0, out.data(), out.size() * 4).ok());
  EXPECT_NEAR(out[5], std::pow(0.64, 6), 1e-6);  // each layer multiplies by 64 * 0.01
}

// Declared activations past InterpreterOptions::max_arena_bytes are refused before the arena
// is allocated, naming the size and the limit.
TEST(Interpreter, ArenasOverTheLimitAreRefusedBeforeAllocating) {
  ModelWriter w;
  const int x = w.AddActivation("x", DType::FLOAT32, {1, 4});
  const int wt = w.AddConstant("w", DType::FLOAT32, {4, 4}, std::vector<float>(16, 0.5f));
  const int y = w.AddActivation("y", DType::FLOAT32, {1, 4});
  w.AddOperator(OpType::FULLY_CONNECTED, {x, wt, -1}, {y}, FcOptions());
  w.SetInputs({x});
  w.SetOutputs({y});
  const auto model = Load(w);
  InterpreterOptions options;
  options.batch_size = 1024;  // input and output live together: 2 x 1024 x 4 x 4 bytes
  options.max_arena_bytes = 32768;
  EXPECT_TRUE(Interpreter::Create(model, options).ok());
  options.max_arena_bytes = 32767;
  auto refused = Interpreter::Create(model, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().ToString().find("32768-byte arena at batch size 1024, over the limit of 32767"),
            std::string::npos) << refused.status().ToString();
  // The default limit (8 GiB): a batch whose arena would be 16 GiB (each tensor under the 2^31
  // elements a tensor may have) is refused, not allocated.
  options = InterpreterOptions{};
  options.batch_size = (1 << 29) - 1;
  refused = Interpreter::Create(model, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().ToString().find("max_arena_bytes"), std::string::npos) << refused.status().ToString();
}

// Keeping all tensors: every intermediate of the chain is readable after Invoke, and one
// operator reruns on what is written into its input.
TEST(Interpreter, KeepsAllTensorsAndRerunsOneOperator) {
  ModelWriter w;
  int x = w.AddActivation("x", DType::FLOAT32, {1, 8});
  const int first = x;
  for (int i = 0; i < 3; ++i) {
    const std::string index = std::to_string(i);
    const int wt = w.AddConstant("w" + index, DType::FLOAT32, {8, 8}, std::vector<float>(64, 0.5f));
    const int y = w.AddActivation("h" + index, DType::FLOAT32, {1, 8});
    w.AddOperator(OpType::FULLY_CONNECTED, {x, wt, -1}, {y}, FcOptions());
    x = y;
  }
  w.SetInputs({first});
  w.SetOutputs({x});
  auto plain = Interpreter::Create(Load(w), {2});
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE((*plain)->InvokeOperator(0).ok());
  InterpreterOptions keep;
  keep.batch_size = 2;
  keep.keep_all_tensors = true;
  auto it = Interpreter::Create(Load(w), keep);
  ASSERT_TRUE(it.ok()) << it.status().ToString();
  EXPECT_EQ((*it)->arena_stats().peak_bytes, (*it)->arena_stats().naive_bytes);
  std::vector<float> in(16, 1.0f);
  ASSERT_TRUE((*it)->SetInput(0, in.data(), in.size() * 4).ok());
  ASSERT_TRUE((*it)->Invoke().ok());
  const int h0 = (*it)->FindTensor("h0"), h1 = (*it)->FindTensor("h1");
  ASSERT_GE(h0, 0);
  EXPECT_EQ((*it)->FindTensor("nonexistent"), -1);
  EXPECT_FLOAT_EQ((*it)->tensors()[h0].as<float>()[3], 4.0f);  // 8 * 0.5
  EXPECT_FLOAT_EQ((*it)->tensors()[h1].as<float>()[3], 16.0f);
  for (int i = 0; i < 16; ++i) (*it)->tensors()[h0].as<float>()[i] = 1.0f;
  ASSERT_TRUE((*it)->InvokeOperator(1).ok());
  EXPECT_FLOAT_EQ((*it)->tensors()[h1].as<float>()[3], 4.0f);
  EXPECT_FLOAT_EQ((*it)->output(0).as<float>()[3], 64.0f);  // untouched: operator 2 did not run
  EXPECT_FALSE((*it)->InvokeOperator(3).ok());
}

// float16 weights are widened at prepare time; int8 weights with float activations run the
// dynamic-range kernel (per-sample int8 input quantization).
TEST(Interpreter, Float16AndDynamicRangeLayers) {
  const std::vector<float> weights{0.5f, -1.25f, 2.0f, 0.75f};
  std::vector<uint16_t> halves;
  for (float v : weights) halves.push_back(FloatToHalf(v));
  const std::vector<int8_t> int8_weights{32, -79, 127, 48};  // `weights` at scale 2/127
  const QuantParams wq = Q(2.0f / 127.0f, 0);
  for (bool dynamic : {false, true}) {
    ModelWriter w;
    const int x = w.AddActivation("x", DType::FLOAT32, {1, 2});
    const int wt = dynamic ? w.AddConstant("w", DType::INT8, {2, 2}, int8_weights, &wq)
                           : w.AddConstant("w", DType::FLOAT16, {2, 2}, halves);
    const int bt = w.AddConstant("b", DType::FLOAT32, {2}, std::vector<float>{0.5f, -0.5f});
    const int y = w.AddActivation("y", DType::FLOAT32, {1, 2});
    w.AddOperator(OpType::FULLY_CONNECTED, {x, wt, bt}, {y}, FcOptions());
    w.SetInputs({x});
    w.SetOutputs({y});
    auto it = Interpreter::Create(Load(w));
    ASSERT_TRUE(it.ok()) << it.status().ToString();
    const float in[2] = {1.0f, -2.0f};
    float out[2];
    ASSERT_TRUE((*it)->SetInput(0, in, 8).ok());
    ASSERT_TRUE((*it)->Invoke().ok());
    ASSERT_TRUE((*it)->GetOutput(0, out, 8).ok());
    if (!dynamic) {
      EXPECT_EQ(out[0], 0.5f * 1 + -1.25f * -2 + 0.5f);
      EXPECT_EQ(out[1], 2.0f * 1 + 0.75f * -2 - 0.5f);
    } else {
      // Input range [-2, 1]: scale 3/255, zero point round(-128 + 2/(3/255)) = 42; both inputs
      // land on the grid exactly (1 -> 127, -2 -> -128).
      const double s_in = 3.0 / 255.0, s_w = 2.0 / 127.0;
      const double acc0 = 32.0 * (127 - 42) + -79.0 * (-128 - 42);
      const double acc1 = 127.0 * (127 - 42) + 48.0 * (-128 - 42);
      EXPECT_NEAR(out[0], acc0 * s_in * s_w + 0.5, 1e-5);
      EXPECT_NEAR(out[1], acc1 * s_in * s_w - 0.5, 1e-5);
      EXPECT_NEAR(out[0], 0.5 * 1 + -1.25 * -2 + 0.5, 0.05);  // close to the float result
    }
  }
}

// A dense layer pruned to 95% in 1x4 blocks takes the sparse kernel at batch 64 (where it
// pays), the dense one at batch 1 and with sparse_kernels off; every choice computes the same
// bytes as the reference ISA.
TEST(Interpreter, PrunedLayersTakeTheSparseKernelWhereItPays) {
  constexpr int kIn = 256, kOut = 128;
  std::vector<int8_t> weights(kIn * kOut);
  for (int i = 0; i < kIn * kOut; ++i) weights[i] = (i / 4) * 2654435761u % 20 == 0 ? static_cast<int8_t>(i % 251 - 125) : 0;
  ModelWriter w;
  const QuantParams in_q = Q(0.05f, 3), out_q = Q(0.5f, -7), w_q = Q(0.01f, 0), b_q = Q(0.0005f, 0);
  const int x = w.AddActivation("x", DType::INT8, {1, kIn}, &in_q);
  const int wt = w.AddConstant("w", DType::INT8, {kOut, kIn}, weights, &w_q);
  const int bt = w.AddConstant("b", DType::INT32, {kOut}, std::vector<int32_t>(kOut, 1234));
  const int y = w.AddActivation("y", DType::INT8, {1, kOut}, &out_q);
  w.AddOperator(OpType::FULLY_CONNECTED, {x, wt, bt}, {y}, FcOptions());
  w.SetInputs({x});
  w.SetOutputs({y});
  auto model = Load(w);
  ASSERT_TRUE(model);
  auto run = [&](int batch, Isa isa, bool sparse, std::string* kernel) {
    InterpreterOptions options;
    options.batch_size = batch;
    options.max_isa = isa;
    options.sparse_kernels = sparse;
    auto it = Interpreter::Create(model, options);
    EXPECT_TRUE(it.ok()) << it.status().ToString();
    std::vector<int8_t> in(static_cast<size_t>(batch) * kIn), out(static_cast<size_t>(batch) * kOut);
    for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<int8_t>(i * 37 % 256);
    EXPECT_TRUE((*it)->SetInput(0, in.data(), static_cast<int64_t>(in.size())).ok());
    EXPECT_TRUE((*it)->Invoke().ok());
    EXPECT_TRUE((*it)->GetOutput(0, out.data(), static_cast<int64_t>(out.size())).ok());
    *kernel = (*it)->kernel_names()[0];
    return out;
  };
  std::string kernel;
  for (int batch : {1, 64}) {
    const std::vector<int8_t> want = run(batch, Isa::kRef, true, &kernel);
    EXPECT_EQ(kernel, "ref");
    EXPECT_EQ(run(batch, kHighestIsa, false, &kernel), want) << batch;
    EXPECT_EQ(kernel.find("sparse"), std::string::npos) << kernel;
    EXPECT_EQ(run(batch, kHighestIsa, true, &kernel), want) << batch;
    const bool has_sparse = !IsReference(BestKernel(SparseGemmKernels(), ProcessIsa().value()));
    EXPECT_EQ(kernel.find("sparse") != std::string::npos, has_sparse && batch == 64) << kernel << " batch " << batch;
  }
}

// Weights on a 4-bit grid take the sub-byte GEMM (packed two per byte) where the ISA has it and
// compute the reference's bytes; a 4-bit tensor holding a value off its grid is refused.
TEST(Interpreter, FourBitWeightsRunPackedAndAreChecked) {
  constexpr int kIn = 40, kOut = 24, kBatch = 5;
  for (const int8_t stray : {int8_t{0}, int8_t{9}}) {
    std::vector<int8_t> weights(kIn * kOut);
    for (int i = 0; i < kIn * kOut; ++i) weights[i] = static_cast<int8_t>(i * 7 % 16 - 8);
    weights[17] = stray == 0 ? weights[17] : stray;
    ModelWriter w;
    const QuantParams in_q = Q(0.05f, 3), out_q = Q(0.2f, -7);
    const QuantParams w_q{{0.01f}, {0}, 0, /*bits=*/4};
    const int x = w.AddActivation("x", DType::INT8, {1, kIn}, &in_q);
    const int wt = w.AddConstant("w", DType::INT8, {kOut, kIn}, weights, &w_q);
    const int y = w.AddActivation("y", DType::INT8, {1, kOut}, &out_q);
    w.AddOperator(OpType::FULLY_CONNECTED, {x, wt}, {y}, FcOptions());
    w.SetInputs({x});
    w.SetOutputs({y});
    auto model = Load(w);
    ASSERT_TRUE(model);
    if (stray != 0) {
      EXPECT_EQ(CreateError(w), "tensor 'w' holds 9, outside its 4-bit grid [-8, 7]");
      continue;
    }
    std::vector<std::vector<int8_t>> outs;
    for (Isa isa : {Isa::kRef, kHighestIsa}) {
      InterpreterOptions options;
      options.batch_size = kBatch;
      options.max_isa = isa;
      auto it = Interpreter::Create(model, options);
      ASSERT_TRUE(it.ok()) << it.status().ToString();
      std::vector<int8_t> in(kBatch * kIn), out(kBatch * kOut);
      for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<int8_t>(i * 53 % 256);
      ASSERT_TRUE((*it)->SetInput(0, in.data(), static_cast<int64_t>(in.size())).ok());
      ASSERT_TRUE((*it)->Invoke().ok());
      ASSERT_TRUE((*it)->GetOutput(0, out.data(), static_cast<int64_t>(out.size())).ok());
      outs.push_back(out);
      const GemmKernel& sub_byte = BestKernel(SubByteGemmKernels(), ProcessIsa().value());
      if (isa != Isa::kRef && !IsReference(sub_byte)) {
        EXPECT_EQ((*it)->kernel_names()[0], sub_byte.name);
      }
    }
    EXPECT_EQ(outs[0], outs[1]);
  }
}

TEST(Interpreter, MalformedGraphsFailNamingTheProblem) {
  const QuantParams q = Q(0.1f, 0);
  auto chain = [&](const std::vector<int>& out_shape, DType out_type) {
    ModelWriter w;
    const int x = w.AddActivation("x", DType::INT8, {1, 4}, &q);
    const int wt = w.AddConstant("w", DType::INT8, {2, 4}, std::vector<int8_t>(8, 1), &q);
    const int y = w.AddActivation("y", out_type, out_shape, &q);
    w.AddOperator(OpType::FULLY_CONNECTED, {x, wt, -1}, {y}, FcOptions());
    w.SetInputs({x});
    w.SetOutputs({y});
    return w;
  };
  EXPECT_EQ(CreateError(chain({1, 2}, DType::INT8)), "");
  EXPECT_NE(CreateError(chain({1, 3}, DType::INT8)).find("operator 0 (FULLY_CONNECTED): input [1, 4], weights [2, 4] and output [1, 3] do not fit together"),
            std::string::npos);
  EXPECT_NE(CreateError(chain({1, 2}, DType::INT16)).find("has no kernel for input INT8, weights INT8, bias none, output INT16"),
            std::string::npos);

  ModelWriter reads_early;  // the op reads a tensor nothing writes
  {
    const int x = reads_early.AddActivation("x", DType::FLOAT32, {1, 4});
    const int ghost = reads_early.AddActivation("ghost", DType::FLOAT32, {1, 4});
    const int y = reads_early.AddActivation("y", DType::FLOAT32, {1, 4});
    qfm::OptionsUnion add;
    add.Set(qfm::AddOptionsT{});
    reads_early.AddOperator(OpType::ADD, {x, ghost}, {y}, add);
    reads_early.SetInputs({x});
    reads_early.SetOutputs({y});
  }
  EXPECT_NE(CreateError(reads_early).find("operator 0 (ADD) reads tensor 'ghost' before any operator writes it"),
            std::string::npos);

  ModelWriter weights_as_activation;  // an activation where weights belong
  {
    const int x = weights_as_activation.AddActivation("x", DType::FLOAT32, {1, 4});
    const int w2 = weights_as_activation.AddActivation("w", DType::FLOAT32, {1, 4});
    const int y = weights_as_activation.AddActivation("y", DType::FLOAT32, {1, 1});
    weights_as_activation.AddOperator(OpType::FULLY_CONNECTED, {x, w2, -1}, {y}, FcOptions());
    weights_as_activation.SetInputs({x, w2});
    weights_as_activation.SetOutputs({y});
  }
  EXPECT_NE(CreateError(weights_as_activation).find("tensor 'w' must be a constant"), std::string::npos);

  ModelWriter bad_conv;  // output size does not follow from the geometry
  {
    const int x = bad_conv.AddActivation("x", DType::FLOAT32, {1, 8, 8, 1});
    const int wt = bad_conv.AddConstant("w", DType::FLOAT32, {2, 3, 3, 1}, std::vector<float>(18, 0.1f));
    const int y = bad_conv.AddActivation("y", DType::FLOAT32, {1, 8, 8, 2});
    qfm::OptionsUnion conv;
    conv.Set(qfm::Conv2DOptionsT{});
    bad_conv.AddOperator(OpType::CONV_2D, {x, wt, -1}, {y}, conv);
    bad_conv.SetInputs({x});
    bad_conv.SetOutputs({y});
  }
  EXPECT_NE(CreateError(bad_conv).find("output shape [1, 8, 8, 2] does not follow from input [1, 8, 8, 1] (expected 6x6 pixels)"),
            std::string::npos);

  FcModel fc;
  EXPECT_NE(CreateError(fc.w, 0).find("batch size must be at least 1"), std::string::npos);
  EXPECT_NE(CreateError(fc.w, 1 << 30).find("at batch size 1073741824"), std::string::npos);
}

}  // namespace
}  // namespace qforge::runtime
