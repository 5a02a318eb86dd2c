// Typed NPY arrays and NPZ archives: NumPy's own files (testdata/, written by NumPy 1.24) read
// with their types and values; every supported type round-trips; archives we write read back;
// unsupported types and damaged archives (truncations, byte flips, lying sizes, bombs) are
// errors, never crashes.
#include "data/npz.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

#include "data/file_bytes.h"

namespace qforge {
namespace {

const std::string kTestdata = QFORGE_DATA_TESTDATA;

std::vector<double> Values(const NpyArray& a) {
  std::vector<double> v;
  for (int64_t i = 0; i < a.size(); ++i) v.push_back(a.At(i));
  return v;
}

const NpyArray& Find(const std::vector<NamedArray>& arrays, const std::string& name) {
  for (const NamedArray& a : arrays)
    if (a.name == name) return a.array;
  ADD_FAILURE() << "no array " << name;
  static const NpyArray none;
  return none;
}

TEST(Npz, ReadsNumpysStoredArchive) {
  auto arrays = ReadArrays(kTestdata + "/numpy_stored.npz");
  ASSERT_TRUE(arrays.ok()) << arrays.status().message();
  ASSERT_EQ(arrays->size(), 3u);
  const NpyArray& a = Find(*arrays, "a");
  EXPECT_EQ(a.type, NpyType::kInt8);
  EXPECT_EQ(a.shape, (Shape{3, 4}));
  EXPECT_EQ(Values(a), (std::vector<double>{-6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5}));
  const NpyArray& half = Find(*arrays, "half");
  EXPECT_EQ(half.type, NpyType::kFloat16);
  EXPECT_EQ(Values(half), (std::vector<double>{0.5, -1.25, 3.0}));
  const NpyArray& c = Find(*arrays, "c");
  EXPECT_EQ(c.type, NpyType::kFloat64);
  EXPECT_DOUBLE_EQ(c.At(0), -1.0);
  EXPECT_DOUBLE_EQ(c.At(5), 1.0);
}

TEST(Npz, ReadsNumpysDeflatedArchive) {
  auto arrays = ReadArrays(kTestdata + "/numpy_deflated.npz");
  ASSERT_TRUE(arrays.ok()) << arrays.status().message();
  EXPECT_EQ(Values(Find(*arrays, "d")), (std::vector<double>{1, 2, 3, 255}));
  EXPECT_EQ(Find(*arrays, "d").type, NpyType::kUInt8);
  EXPECT_EQ(Values(Find(*arrays, "e")), (std::vector<double>{-1099511627776.0, 7}));
  const NpyArray& out = Find(*arrays, "dense3/out");  // a name with a slash, as tensor names have
  EXPECT_EQ(out.type, NpyType::kFloat32);
  EXPECT_EQ(out.shape, (Shape{2, 10}));
  EXPECT_EQ(Values(out), std::vector<double>(20, 1.0));
}

TEST(Npz, SingleNpyFilesAndUnsupportedLayouts) {
  auto int16 = ReadArrays(kTestdata + "/numpy_int16.npy");
  ASSERT_TRUE(int16.ok()) << int16.status().message();
  ASSERT_EQ(int16->size(), 1u);
  EXPECT_EQ((*int16)[0].name, "");
  EXPECT_EQ((*int16)[0].array.type, NpyType::kInt16);
  EXPECT_EQ(Values((*int16)[0].array), (std::vector<double>{-32768, 0, 32767}));
  for (const char* file : {"numpy_bool.npy", "numpy_bigendian.npy", "numpy_fortran.npy"}) {
    auto r = ReadArrays(kTestdata + "/" + file);
    ASSERT_FALSE(r.ok()) << file;
    EXPECT_NE(r.status().message().find("unsupported"), std::string::npos) << r.status().message();
  }
  EXPECT_EQ(ReadArrays(kTestdata + "/missing.npz").status().code(), StatusCode::kNotFound);
}

TEST(Npz, EveryTypeRoundTripsThroughAnArchive) {
  std::vector<NamedArray> arrays;
  for (NpyType type : {NpyType::kInt8, NpyType::kUInt8, NpyType::kInt16, NpyType::kInt32, NpyType::kInt64,
                       NpyType::kFloat16, NpyType::kFloat32, NpyType::kFloat64}) {
    NamedArray a;
    a.name = std::string("x_") + NpyTypeName(type);
    a.array.type = type;
    a.array.shape = {2, 3};
    a.array.data.resize(6 * NpyTypeSize(type));
    for (size_t i = 0; i < a.array.data.size(); ++i) a.array.data[i] = static_cast<uint8_t>(i * 7 + 1);
    arrays.push_back(a);
  }
  NamedArray scalar;
  scalar.name = "scalar";
  scalar.array.shape = {};
  scalar.array.data = {0, 0, 0x80, 0x3f};  // 1.0f
  arrays.push_back(scalar);
  const std::string path = (std::filesystem::temp_directory_path() / "qforge_npz_roundtrip.npz").string();
  ASSERT_TRUE(WriteNpz(path, arrays).ok());
  auto back = ReadArrays(path);
  ASSERT_TRUE(back.ok()) << back.status().message();
  ASSERT_EQ(back->size(), arrays.size());
  for (size_t i = 0; i < arrays.size(); ++i) {
    EXPECT_EQ((*back)[i].name, arrays[i].name);
    EXPECT_EQ((*back)[i].array.type, arrays[i].array.type);
    EXPECT_EQ((*back)[i].array.shape, arrays[i].array.shape);
    EXPECT_EQ((*back)[i].array.data, arrays[i].array.data);
  }
  EXPECT_EQ((*back).back().array.At(0), 1.0);
  std::filesystem::remove(path);

  EXPECT_FALSE(WriteNpz(path, {arrays[0], arrays[0]}).ok());  // duplicate names
  arrays[0].name = "";
  EXPECT_FALSE(WriteNpz(path, {arrays[0]}).ok());
}

TEST(Npz, DamagedArchivesAreErrors) {
  auto bytes = ReadFileBytes(kTestdata + "/numpy_deflated.npz");
  ASSERT_TRUE(bytes.ok());
  const uint32_t seed = std::random_device{}();
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  int rejected = 0;
  for (int trial = 0; trial < 400; ++trial) {
    std::vector<uint8_t> damaged = *bytes;
    if (trial < 100) {
      damaged.resize(rng() % damaged.size());
    } else {
      for (int flips = 1 + trial % 3; flips > 0; --flips) damaged[rng() % damaged.size()] ^= 1 + rng() % 255;
    }
    auto r = ParseNpz(damaged, "damaged.npz");
    rejected += !r.ok();
    if (r.ok()) {  // a flip in padding or a name may leave a valid archive: it must still be consistent
      for (const NamedArray& a : *r) EXPECT_EQ(a.array.data.size(), a.array.size() * NpyTypeSize(a.array.type));
    }
  }
  EXPECT_GT(rejected, 300) << "seed " << seed;

  // A member that claims to inflate to far more than deflate can produce.
  std::vector<uint8_t> bomb = *bytes;
  const uint8_t central[] = {0x50, 0x4b, 0x01, 0x02};
  auto at = std::search(bomb.begin(), bomb.end(), central, central + 4) - bomb.begin();
  ASSERT_LT(static_cast<size_t>(at), bomb.size());
  bomb[at + 24] = 0x00;  // uncompressed size: 0x7F000000
  bomb[at + 25] = 0x00;
  bomb[at + 26] = 0x00;
  bomb[at + 27] = 0x7F;
  auto r = ParseNpz(bomb, "bomb.npz");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("claims"), std::string::npos) << r.status().message();
}

// An NPY file (format 2.0) with this header dictionary and `payload` zero bytes.
std::vector<uint8_t> NpyWithHeader(const std::string& dict, size_t payload) {
  const std::string header = dict + "\n";
  std::vector<uint8_t> b = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0};
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(header.size() >> (8 * i)));
  b.insert(b.end(), header.begin(), header.end());
  b.resize(b.size() + payload);
  return b;
}

// Two members of one name, and members whose sizes add up past the cap: refused before inflating.
TEST(Npz, DuplicateMembersAndHugeTotalsAreErrors) {
  NamedArray a{"a", {NpyType::kInt8, {4}, {1, 2, 3, 4}}}, b{"b", {NpyType::kInt8, {4}, {5, 6, 7, 8}}};
  const std::string path = (std::filesystem::temp_directory_path() / "qforge_npz_dup.npz").string();
  ASSERT_TRUE(WriteNpz(path, {a, b}).ok());
  const std::vector<uint8_t> bytes = *ReadFileBytes(path);
  std::filesystem::remove(path);
  std::vector<uint8_t> dup = bytes;
  const std::string b_name = "b.npy";
  for (auto it = dup.begin(); (it = std::search(it, dup.end(), b_name.begin(), b_name.end())) != dup.end(); ++it) *it = 'a';
  auto r = ParseNpz(dup, "dup.npz");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("twice"), std::string::npos) << r.status().message();

  std::vector<uint8_t> huge = bytes;
  const uint8_t central[] = {0x50, 0x4b, 0x01, 0x02};
  for (auto it = huge.begin(); (it = std::search(it, huge.end(), central, central + 4)) != huge.end(); ++it) {
    it[24] = 0x00, it[25] = 0x00, it[26] = 0x00, it[27] = 0x60;  // uncompressed size 0x60000000 each
  }
  r = ParseNpz(huge, "huge.npz");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("in all"), std::string::npos) << r.status().message();
}

TEST(Npy, RejectsOversizedHeaderFields) {
  NpyArray a;
  a.shape = {2};
  a.data.resize(8);
  std::vector<uint8_t> bytes = SerializeNpy(a);
  std::string text(bytes.begin(), bytes.end());
  text.replace(text.find("<f4"), 3, "<f999");  // an absurd width: an error, not an exception
  auto r = ParseNpyArray(std::vector<uint8_t>(text.begin(), text.end()), "wide.npy");
  EXPECT_FALSE(r.ok());

  // A header far longer than NumPy writes (its reader's limit is 10,000 bytes).
  r = ParseNpyArray(NpyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::string(100000, ' ') +
                                  "2,), }", 8),
                    "long.npy");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("header"), std::string::npos) << r.status().message();

  // Dimensions whose product overflows 64 bits, with an empty payload: refused, not wrapped to 0.
  r = ParseNpyArray(NpyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 0),
                    "wrap.npy");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("too large"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace qforge
