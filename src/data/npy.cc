// NPY parsing: magic, version, header dictionary (descr, fortran_order, shape), payload; and
// writing with the header padded so the payload is 64-byte aligned.
#include "data/npy.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <regex>

#include "data/file_bytes.h"
#include "runtime/float16.h"

namespace qforge {
namespace {

struct TypeInfo {
  NpyType type;
  char kind;  // NumPy's: i, u, f
  int width;
  const char* name;
};

constexpr TypeInfo kTypes[] = {
    {NpyType::kInt8, 'i', 1, "int8"},       {NpyType::kUInt8, 'u', 1, "uint8"},
    {NpyType::kInt16, 'i', 2, "int16"},     {NpyType::kInt32, 'i', 4, "int32"},
    {NpyType::kInt64, 'i', 8, "int64"},     {NpyType::kFloat16, 'f', 2, "float16"},
    {NpyType::kFloat32, 'f', 4, "float32"}, {NpyType::kFloat64, 'f', 8, "float64"},
};

const TypeInfo& Info(NpyType type) { return kTypes[static_cast<int>(type)]; }

constexpr size_t kMaxHeaderBytes = 10000;
constexpr uint64_t kMaxElements = uint64_t{1} << 32;

template <typename T>
T Load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

}  // namespace

const char* NpyTypeName(NpyType type) { return Info(type).name; }
int NpyTypeSize(NpyType type) { return Info(type).width; }
bool NpyTypeIsInteger(NpyType type) { return Info(type).kind != 'f'; }

int64_t NpyArray::size() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

double NpyArray::At(int64_t i) const {
  const uint8_t* p = data.data() + i * NpyTypeSize(type);
  switch (type) {
    case NpyType::kInt8: return Load<int8_t>(p);
    case NpyType::kUInt8: return Load<uint8_t>(p);
    case NpyType::kInt16: return Load<int16_t>(p);
    case NpyType::kInt32: return Load<int32_t>(p);
    case NpyType::kInt64: return static_cast<double>(Load<int64_t>(p));
    case NpyType::kFloat16: return runtime::HalfToFloat(Load<uint16_t>(p));
    case NpyType::kFloat32: return Load<float>(p);
    case NpyType::kFloat64: return Load<double>(p);
  }
  return 0.0;
}

StatusOr<NpyHeader> ParseNpyHeader(const uint8_t* b, size_t available, uint64_t file_size, const std::string& what) {
  static const uint8_t kMagic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (available < 10 || std::memcmp(b, kMagic, 6) != 0) return DataLoss("{}: not an NPY file", what);
  const int major = b[6];
  size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = b[8] | (size_t{b[9]} << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (available < 12) return DataLoss("{}: truncated NPY header", what);
    header_len = b[8] | (size_t{b[9]} << 8) | (size_t{b[10]} << 16) | (size_t{b[11]} << 24);
    offset = 12;
  } else {
    return DataLoss("{}: NPY version {} unsupported", what, major);
  }
  // NumPy's own reader refuses longer headers; std::regex recurses per character, so a huge
  // header could exhaust the stack.
  if (header_len > kMaxHeaderBytes) return DataLoss("{}: NPY header of {} bytes (at most {})", what, header_len, kMaxHeaderBytes);
  if (header_len > available - offset) return DataLoss("{}: truncated NPY header", what);
  const std::string header(b + offset, b + offset + header_len);
  // Compiled once (each compilation costs more than parsing a header).
  static const std::regex kDescr("'descr':\\s*'([<|>=]?)([a-zA-Z])(\\d{1,2})'");
  static const std::regex kFortran("'fortran_order':\\s*True");
  static const std::regex kShape("'shape':\\s*\\(([^)]*)\\)");
  std::smatch m;
  if (!std::regex_search(header, m, kDescr))
    return DataLoss("{}: NPY header has no dtype", what);
  const std::string order = m[1], kind = m[2];
  const int width = std::stoi(m[3]);
  if (order == ">" && width > 1) return Unimplemented("{}: big-endian NPY data unsupported", what);
  if (std::regex_search(header, kFortran))
    return Unimplemented("{}: Fortran-ordered NPY data unsupported", what);
  if (!std::regex_search(header, m, kShape))
    return DataLoss("{}: NPY header has no shape", what);
  NpyHeader h;
  const std::string dims = m[1];
  static const std::regex kNumber("\\d+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), kNumber), end; it != end; ++it) {
    if (it->str().size() > 10) return DataLoss("{}: NPY dimension too large", what);
    h.shape.push_back(std::stoll(it->str()));
  }
  uint64_t count = 1;
  for (int64_t d : h.shape) {
    if (d > 0 && count > kMaxElements / static_cast<uint64_t>(d)) return DataLoss("{}: NPY array too large", what);
    count *= static_cast<uint64_t>(d);
  }
  h.data_offset = offset + header_len;
  if (file_size - h.data_offset != count * width)
    return DataLoss("{}: NPY payload has {} bytes, header promises {}", what, file_size - h.data_offset, count * width);
  const TypeInfo* info = nullptr;
  for (const TypeInfo& t : kTypes)
    if (t.kind == kind[0] && t.width == width) info = &t;
  if (info == nullptr)
    return Unimplemented("{}: NPY dtype {}{} unsupported (int8, uint8, int16, int32, int64, float16, float32, float64)",
                         what, kind, width);
  h.type = info->type;
  return h;
}

StatusOr<NpyArray> ParseNpyArray(const std::vector<uint8_t>& b, const std::string& what) {
  QF_ASSIGN_OR_RETURN(NpyHeader h, ParseNpyHeader(b.data(), b.size(), b.size(), what));
  NpyArray array;
  array.type = h.type;
  array.shape = std::move(h.shape);
  array.data.assign(b.begin() + static_cast<std::ptrdiff_t>(h.data_offset), b.end());
  return array;
}

StatusOr<NpyHeader> ReadNpyHeader(const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) return NotFound("{}: cannot open", path);
  const auto size = static_cast<uint64_t>(f.tellg());
  std::vector<uint8_t> head(std::min<uint64_t>(size, 12 + kMaxHeaderBytes));
  f.seekg(0);
  if (!f.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size())))
    return DataLoss("{}: cannot read its header", path);
  if (head.size() >= 2 && head[0] == 0x1f && head[1] == 0x8b)
    return InvalidArgument("{}: gzip-compressed; read in pieces, an array must be a plain .npy file", path);
  return ParseNpyHeader(head.data(), head.size(), size, path);
}

std::vector<uint8_t> SerializeNpy(const NpyArray& array) {
  std::string shape;
  for (int64_t d : array.shape) shape += std::to_string(d) + ",";
  if (array.shape.size() > 1) shape.pop_back();
  const TypeInfo& info = Info(array.type);
  const char order = info.width == 1 ? '|' : '<';
  std::string header = std::string("{'descr': '") + order + info.kind + std::to_string(info.width) +
                       "', 'fortran_order': False, 'shape': (" + shape + "), }";
  // Pad so the payload starts on a 64-byte boundary, ending the header with a newline.
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  const uint8_t magic[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<uint8_t>(header.size() & 0xff),
                             static_cast<uint8_t>(header.size() >> 8)};
  std::vector<uint8_t> out(sizeof magic + header.size() + array.data.size());
  std::memcpy(out.data(), magic, sizeof magic);
  std::memcpy(out.data() + sizeof magic, header.data(), header.size());
  if (!array.data.empty()) std::memcpy(out.data() + sizeof magic + header.size(), array.data.data(), array.data.size());
  return out;
}

StatusOr<Tensor> ParseNpy(const std::vector<uint8_t>& bytes, const std::string& what) {
  QF_ASSIGN_OR_RETURN(const NpyArray array, ParseNpyArray(bytes, what));
  Tensor t(array.shape);
  if (array.type == NpyType::kFloat32) {
    if (!array.data.empty()) std::memcpy(t.data(), array.data.data(), array.data.size());
  } else {
    for (int64_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(array.At(i));
  }
  return t;
}

StatusOr<Tensor> ReadNpy(const std::string& path) {
  QF_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileBytes(path));
  return ParseNpy(bytes, path);
}

NpyArray NpyFromTensor(const Tensor& t) {
  NpyArray array;
  array.shape = t.shape();
  const auto* p = reinterpret_cast<const uint8_t*>(t.data());
  array.data.assign(p, p + t.size() * sizeof(float));
  return array;
}

Status WriteNpy(const std::string& path, const Tensor& t) {
  return WriteFileAtomically(path, SerializeNpy(NpyFromTensor(t)));
}

}  // namespace qforge
