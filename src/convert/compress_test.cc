// Weight coding and compressed models: every coding of a buffer decodes to exactly its bytes
// (dense and sparse forms, packed and Huffman streams, gaps longer than the gap width allows,
// bit packing at every width); the forms chosen are the compact ones; damaged coded buffers
// (indices past the codebook, positions past the end, counts that disagree, bad widths) are
// rejected with a message; a compressed int8 model computes bit for bit what the original
// does, its clustered layers keep at most k int8 values per tensor through batch-norm folding,
// and hundreds of damaged copies of it fail cleanly or still run (also under ASan).
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <random>
#include <set>

#include "convert/compress.h"
#include "convert/damaged_models.h"
#include "convert/emit.h"
#include "convert/lower.h"
#include "convert/model_bytes.h"
#include "runtime/coding/bit_packing.h"
#include "runtime/coding/coded_bytes.h"
#include "runtime/interpreter.h"
#include "runtime/model/model_writer.h"
#include "zoo/zoo.h"

namespace qforge::convert {
namespace {

// `n` bytes: a fraction `density` not `fill`, those drawn from `k` values.
std::vector<uint8_t> SparseBytes(size_t n, double density, int k, uint8_t fill, uint32_t seed) {
  std::mt19937 rng(seed);
  std::bernoulli_distribution keep(density);
  std::uniform_int_distribution<int> value(0, k - 1);
  std::vector<uint8_t> b(n, fill);
  for (auto& x : b)
    if (keep(rng)) x = static_cast<uint8_t>(fill + 1 + value(rng) * 3);
  return b;
}

// Packs a CodedBytesT alone and decodes it as the loader would.
Status Decode(const qfm::CodedBytesT& coded, std::vector<uint8_t>* out) {
  flatbuffers::FlatBufferBuilder builder;
  builder.Finish(qfm::CodedBytes::Pack(builder, &coded));
  const auto* root = flatbuffers::GetRoot<qfm::CodedBytes>(builder.GetBufferPointer());
  out->assign(root->size(), 0xEE);
  return runtime::coding::DecodeCodedBytes(*root, out->data());
}

TEST(BitPacking, RoundTripsAtEveryWidth) {
  std::mt19937 rng(1);
  for (int bits = 1; bits <= 8; ++bits)
    for (size_t n : {0, 1, 7, 8, 9, 1001}) {
      std::vector<uint8_t> s(n);
      for (auto& x : s) x = static_cast<uint8_t>(rng() & ((1u << bits) - 1));
      const std::vector<uint8_t> packed = runtime::coding::PackBits(s, bits);
      ASSERT_EQ(packed.size(), (n * bits + 7) / 8);
      std::vector<uint8_t> back(n);
      runtime::coding::UnpackBits(packed.data(), n, bits, back.data());
      EXPECT_EQ(back, s) << bits << " bits, " << n << " symbols";
    }
}

TEST(WeightCoding, EveryFormRoundTripsExactly) {
  uint32_t seed = 0;
  for (double density : {0.0, 0.01, 0.1, 0.5, 1.0})
    for (int k : {1, 2, 16, 32, 80})
      for (size_t n : {1, 37, 5000})
        for (int form = 0; form < 4; ++form) {
          const CodingOptions o{.sparse = (form & 1) != 0, .huffman = (form & 2) != 0};
          ++seed;
          const std::vector<uint8_t> bytes = SparseBytes(n, density, k, static_cast<uint8_t>(seed % 3), seed);
          const qfm::CodedBytesT coded = CodeBytes(bytes, o);
          std::vector<uint8_t> back;
          const Status s = Decode(coded, &back);
          ASSERT_TRUE(s.ok()) << s.message() << " (density " << density << ", k " << k << ", n " << n << ")";
          EXPECT_EQ(back, bytes) << "density " << density << ", k " << k << ", n " << n << ", form " << form;
          if (!o.sparse) {
            EXPECT_EQ(coded.gap_bits, 0);
          }
          if (!o.huffman) {
            EXPECT_EQ(coded.indices->coding, qfm::StreamCoding::PACKED);
          }
        }
}

// Found by fuzz_coded_bytes (fuzz/regressions/coded_bytes/): an empty buffer in the sparse form
// passed its null output pointer to memset (undefined behaviour, reported by UBSan).
TEST(WeightCoding, AnEmptySparseBufferDecodesToNothing) {
  qfm::CodedBytesT coded;
  coded.size = 0;
  coded.codebook = {7};
  coded.indices = std::make_unique<qfm::CodedStreamT>();
  coded.indices->bits = 1;
  coded.gap_bits = 1;
  coded.gaps = std::make_unique<qfm::CodedStreamT>();
  coded.gaps->bits = 1;
  std::vector<uint8_t> back;
  const Status s = Decode(coded, &back);
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(back.empty());
}

TEST(WeightCoding, LongRunsOfFillNeedSkipSymbols) {
  std::vector<uint8_t> bytes(100000, 0);
  bytes[3] = 5, bytes[70000] = 9, bytes[99999] = 5;  // gaps of 69996 and 29998 bytes
  for (bool huffman : {false, true}) {
    const qfm::CodedBytesT coded = CodeBytes(bytes, {.sparse = true, .huffman = huffman});
    ASSERT_GT(coded.gap_bits, 0);
    // Packed: a skip symbol per 255 fill bytes; Huffman: about a bit each, plus its header.
    EXPECT_LT(CodedPayloadBytes(coded), huffman ? 200u : 100000u / 255 + 20);
    std::vector<uint8_t> back;
    ASSERT_TRUE(Decode(coded, &back).ok());
    EXPECT_EQ(back, bytes);
  }
}

TEST(WeightCoding, ChoosesCompactForms) {
  EXPECT_EQ(IndexBits(1), 1);
  EXPECT_EQ(IndexBits(2), 1);
  EXPECT_EQ(IndexBits(32), 5);
  EXPECT_EQ(IndexBits(33), 6);
  EXPECT_EQ(IndexBits(256), 8);
  // 32 shared values, dense, packed: 5 bits per byte plus the codebook.
  const std::vector<uint8_t> clustered = SparseBytes(8000, 1.0, 32, 0, 7);
  const qfm::CodedBytesT packed = CodeBytes(clustered, {.sparse = false, .huffman = false});
  EXPECT_EQ(packed.indices->bits, 5);
  EXPECT_EQ(CodedPayloadBytes(packed), 32 + 8000 * 5 / 8);
  // 90% fill: the sparse form, far below a byte per element.
  const std::vector<uint8_t> sparse = SparseBytes(20000, 0.1, 32, 0, 8);
  const qfm::CodedBytesT best = CodeBytes(sparse, {});
  EXPECT_GT(best.gap_bits, 0);
  EXPECT_EQ(best.fill, 0);
  // Each of the ~2000 stored bytes: a 5-bit index and a gap of entropy 4.69 bits (geometric,
  // p = 0.1), Huffman within a bit of that, plus codebook and headers.
  EXPECT_LT(CodedPayloadBytes(best), 2000 * (5 + 4.69 + 1) / 8 + 100);
}

TEST(WeightCoding, DamagedBuffersAreRejected) {
  const std::vector<uint8_t> bytes = SparseBytes(3000, 0.2, 8, 0, 3);
  const qfm::CodedBytesT good = CodeBytes(bytes, {.sparse = true, .huffman = false});
  ASSERT_GT(good.gap_bits, 0);
  std::vector<uint8_t> out;
  ASSERT_TRUE(Decode(good, &out).ok());
  struct Damage {
    const char* what;
    std::function<void(qfm::CodedBytesT&)> apply;
  };
  const std::vector<Damage> damages = {
      {"codebook emptied", [](qfm::CodedBytesT& c) { c.codebook.clear(); }},
      {"codebook cut below the indices", [](qfm::CodedBytesT& c) { c.codebook.resize(2); }},
      {"size smaller than the positions", [](qfm::CodedBytesT& c) { c.size /= 2; }},
      {"index count off by one", [](qfm::CodedBytesT& c) { c.indices->count += 1; }},
      {"gap count short", [](qfm::CodedBytesT& c) { c.gaps->count -= 10; c.gaps->data.resize(runtime::coding::PackedBytes(c.gaps->count, c.gaps->bits)); }},
      {"index stream cut", [](qfm::CodedBytesT& c) { c.indices->data.pop_back(); }},
      {"zero-bit indices", [](qfm::CodedBytesT& c) { c.indices->bits = 0; }},
      {"nine-bit gaps", [](qfm::CodedBytesT& c) { c.gaps->bits = 9; c.gap_bits = 9; }},
      {"gap width differs", [](qfm::CodedBytesT& c) { c.gap_bits = static_cast<uint8_t>(c.gap_bits == 8 ? 7 : c.gap_bits + 1); }},
      {"gap stream missing", [](qfm::CodedBytesT& c) { c.gaps.reset(); }},
      {"index stream missing", [](qfm::CodedBytesT& c) { c.indices.reset(); }},
      {"unknown coding", [](qfm::CodedBytesT& c) { c.indices->coding = static_cast<qfm::StreamCoding>(7); }},
      {"Huffman data in a packed stream", [&](qfm::CodedBytesT& c) { c.indices->coding = qfm::StreamCoding::HUFFMAN; }},
  };
  for (const Damage& d : damages) {
    qfm::CodedBytesT c = good;
    d.apply(c);
    const Status s = Decode(c, &out);
    EXPECT_FALSE(s.ok()) << d.what;
    EXPECT_EQ(s.code(), StatusCode::kDataLoss) << d.what;
    EXPECT_FALSE(s.message().empty()) << d.what;
  }
}

// lenet5 with clustered (16 values), 85%-pruned weights and non-trivial batch norms, as int8.
struct CompressedLenet {
  std::vector<uint8_t> original, coded;
};

CompressedLenet MakeCompressedLenet() {
  auto g = FindZooModel("lenet5")->build(4);
  EXPECT_TRUE(g.ok());
  std::mt19937 rng(12);
  std::uniform_real_distribution<float> u(0.5f, 1.5f);
  std::uniform_int_distribution<int> value(-8, 7);
  std::bernoulli_distribution keep(0.15);
  for (Param& p : g->params()) {
    float* w = p.tensor.data();
    if (p.name.find("gamma") != std::string::npos || p.name.find("running_var") != std::string::npos) {
      for (int64_t i = 0; i < p.tensor.size(); ++i) w[i] = u(rng);
      if (p.name.find("gamma") != std::string::npos) w[0] = -w[0];  // a sign flip: the grid takes |factor|
    } else if (p.tensor.shape().size() >= 2) {
      for (int64_t i = 0; i < p.tensor.size(); ++i) w[i] = keep(rng) ? 0.01f * (value(rng) + 0.5f) : 0.0f;
    }
  }
  auto lowered = Lower(*g);
  EXPECT_TRUE(lowered.ok());
  EmitOptions o;
  o.mode = Mode::kInt8;
  o.ranges = std::vector<ValueRange>(lowered->values.size(), {-2.0f, 3.0f});
  auto bytes = EmitQfm(*lowered, o);
  EXPECT_TRUE(bytes.ok());
  auto model = runtime::Model::FromBytes(bytes->data(), bytes->size(), "lenet5.qfm");
  EXPECT_TRUE(model.ok());
  auto coded = CompressQfm(**model, {});
  EXPECT_TRUE(coded.ok()) << coded.status().message();
  EXPECT_GE(coded->coded_buffers, 4);  // every weight buffer, and biases where coding pays
  return {*bytes, coded->bytes};
}

std::vector<uint8_t> OutputBytes(const std::vector<uint8_t>& file, const std::vector<float>& input) {
  auto model = runtime::Model::FromBytes(file.data(), file.size(), "model.qfm");
  EXPECT_TRUE(model.ok()) << model.status().message();
  auto it = runtime::Interpreter::Create(*model, {4});
  EXPECT_TRUE(it.ok());
  EXPECT_TRUE((*it)->SetInput(0, input.data(), static_cast<int64_t>(input.size() * 4)).ok());
  EXPECT_TRUE((*it)->Invoke().ok());
  const runtime::RuntimeTensor& out = (*it)->output(0);
  return std::vector<uint8_t>(out.data, out.data + out.bytes);
}

TEST(Compress, CodedModelComputesExactlyWhatTheOriginalDoes) {
  const CompressedLenet m = MakeCompressedLenet();
  EXPECT_LT(m.coded.size() * 3, m.original.size());
  std::mt19937 rng(5);
  std::normal_distribution<float> normal;
  std::vector<float> input(4 * 28 * 28);
  for (float& x : input) x = normal(rng);
  EXPECT_EQ(OutputBytes(m.coded, input), OutputBytes(m.original, input));

  auto model = runtime::Model::FromBytes(m.coded.data(), m.coded.size(), "coded.qfm");
  ASSERT_TRUE(model.ok());
  EXPECT_EQ((*model)->flat().version(), runtime::kQfmCodedVersion);
  const qfm::Model& flat = (*model)->flat();
  int coded_buffers = 0;
  for (const qfm::Buffer* buffer : *flat.buffers()) coded_buffers += buffer->coded() != nullptr;
  EXPECT_EQ((*model)->decode_stats().coded_buffers, coded_buffers);
  for (const qfm::Tensor* t : *flat.tensors())
    if (t->name()->str().find("/weights") != std::string::npos) {
      EXPECT_TRUE(flat.buffers()->Get(t->buffer())->coded()) << t->name()->str();
    }
  const ModelBytes b = MeasureModelBytes(**model);
  EXPECT_GT(b.codebooks, 0);
  EXPECT_GT(b.indices, 0);
  EXPECT_GT(b.sparse_indices, 0);
  EXPECT_EQ(b.weights, 0);
  EXPECT_EQ(b.codebooks + b.indices + b.sparse_indices + b.weights + b.biases + b.other_constants + b.metadata +
                b.structure,
            static_cast<int64_t>(m.coded.size()));
  EXPECT_EQ(b.float32_bytes(), 4 * b.parameters);
  // Clustered layers stay clustered in int8: at most 16 values and zero per tensor, twice that
  // where a negative batch-norm factor mirrors one channel.
  for (const qfm::Tensor* t : *flat.tensors()) {
    if (t->dtype() != qfm::DType::INT8 || t->buffer() == 0) continue;
    const uint8_t* data = (*model)->buffer_data(t->buffer());
    const std::set<uint8_t> distinct(data, data + (*model)->buffer_size(t->buffer()));
    EXPECT_LE(distinct.size(), t->name()->str().rfind("conv", 0) == 0 ? 33u : 17u) << t->name()->str();
  }
}

TEST(Compress, CompressingTwiceGivesTheSameFile) {
  const CompressedLenet m = MakeCompressedLenet();
  auto model = runtime::Model::FromBytes(m.coded.data(), m.coded.size(), "coded.qfm");
  ASSERT_TRUE(model.ok());
  auto again = CompressQfm(**model, {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->bytes, m.coded);
}

TEST(Compress, DamagedCodedModelsFailCleanly) {
  const CompressedLenet m = MakeCompressedLenet();
  auto model = runtime::Model::FromBytes(m.coded.data(), m.coded.size(), "coded.qfm");
  ASSERT_TRUE(model.ok());
  // The same coded model labelled version 1 is refused: old readers would see empty buffers.
  std::unique_ptr<qfm::ModelT> t((*model)->flat().UnPack());
  t->version = 1;
  const std::vector<uint8_t> v1_bytes = runtime::SerializeModel(*t);
  auto old = runtime::Model::FromBytes(v1_bytes.data(), v1_bytes.size(), "old.qfm");
  ASSERT_FALSE(old.ok());
  EXPECT_NE(old.status().message().find("coded buffers in a version 1 file"), std::string::npos);

  // A coded buffer and its tensor claiming 2^30 bytes: refused before anything is allocated.
  std::unique_ptr<qfm::ModelT> huge((*model)->flat().UnPack());
  for (auto& tensor : huge->tensors) {
    qfm::BufferT& b = *huge->buffers[tensor->buffer];
    if (!b.coded || tensor->dtype != qfm::DType::INT8) continue;
    tensor->shape = {1 << 15, 1 << 15};
    tensor->quantization.reset();
    b.coded->size = 1u << 30;
    break;
  }
  const std::vector<uint8_t> big = runtime::SerializeModel(*huge);
  auto bomb = runtime::Model::FromBytes(big.data(), big.size(), "bomb.qfm");
  ASSERT_FALSE(bomb.ok());
  EXPECT_NE(bomb.status().message().find("more than any coding expands to"), std::string::npos) << bomb.status().message();

  const uint32_t seed = 777;
  std::mt19937 rng(seed);
  DamageOutcome outcome;
  const std::vector<uint8_t>& bytes = m.coded;
  for (int i = 0; i < 200; ++i)
    TryDamagedModel(std::vector<uint8_t>(bytes.begin(), bytes.begin() + static_cast<int64_t>(bytes.size() * i / 200)),
                    2, &outcome);
  for (int i = 0; i < 600; ++i) {  // 1-3 bytes replaced anywhere (most of the file is coded weights)
    std::vector<uint8_t> d = bytes;
    for (int f = 1 + static_cast<int>(rng() % 3); f > 0; --f) d[rng() % d.size()] = static_cast<uint8_t>(rng());
    TryDamagedModel(d, 2, &outcome);
  }
  EXPECT_EQ(outcome.rejected + outcome.ran, 800) << "seed " << seed;
  EXPECT_GT(outcome.rejected, 400) << "seed " << seed;
  std::printf("damaged coded models: %d rejected, %d loaded and ran (seed %u)\n", outcome.rejected, outcome.ran, seed);
}

}  // namespace
}  // namespace qforge::convert
