// NPY parsing: magic, version, header dictionary (descr, fortran_order, shape), payload.
#include "data/npy.h"

#include <cstring>
#include <regex>

#include "data/file_bytes.h"

namespace qforge {
namespace {

template <typename T>
void Convert(const uint8_t* src, Tensor& t) {
  for (int64_t i = 0; i < t.size(); ++i) {
    T v;
    std::memcpy(&v, src + i * sizeof(T), sizeof(T));
    t[i] = static_cast<float>(v);
  }
}

}  // namespace

StatusOr<Tensor> ParseNpy(const std::vector<uint8_t>& b, const std::string& what) {
  static const uint8_t kMagic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (b.size() < 10 || std::memcmp(b.data(), kMagic, 6) != 0) return DataLoss("{}: not an NPY file", what);
  const int major = b[6];
  size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = b[8] | (size_t{b[9]} << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (b.size() < 12) return DataLoss("{}: truncated NPY header", what);
    header_len = b[8] | (size_t{b[9]} << 8) | (size_t{b[10]} << 16) | (size_t{b[11]} << 24);
    offset = 12;
  } else {
    return DataLoss("{}: NPY version {} unsupported", what, major);
  }
  if (header_len > b.size() - offset) return DataLoss("{}: truncated NPY header", what);
  const std::string header(b.begin() + offset, b.begin() + offset + header_len);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([<|>=]?)([a-z])(\\d+)'")))
    return DataLoss("{}: NPY header has no dtype", what);
  const std::string order = m[1], kind = m[2];
  const int width = std::stoi(m[3]);
  if (order == ">" && width > 1) return Unimplemented("{}: big-endian NPY data unsupported", what);
  if (std::regex_search(header, std::regex("'fortran_order':\\s*True")))
    return Unimplemented("{}: Fortran-ordered NPY data unsupported", what);
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)")))
    return DataLoss("{}: NPY header has no shape", what);
  Shape shape;
  const std::string dims = m[1];
  static const std::regex kNumber("\\d+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), kNumber), end; it != end; ++it) {
    if (it->str().size() > 10) return DataLoss("{}: NPY dimension too large", what);
    shape.push_back(std::stoll(it->str()));
  }
  uint64_t count = 1;
  for (int64_t d : shape) {
    count *= static_cast<uint64_t>(d);
    if (count > (uint64_t{1} << 32)) return DataLoss("{}: NPY array too large", what);
  }
  const size_t data_offset = offset + header_len;
  if (b.size() - data_offset != count * width)
    return DataLoss("{}: NPY payload has {} bytes, header promises {}", what, b.size() - data_offset,
                    count * width);
  Tensor t(shape);
  const uint8_t* src = b.data() + data_offset;
  if (kind == "f" && width == 4) Convert<float>(src, t);
  else if (kind == "f" && width == 8) Convert<double>(src, t);
  else if (kind == "u" && width == 1) Convert<uint8_t>(src, t);
  else if (kind == "i" && width == 4) Convert<int32_t>(src, t);
  else if (kind == "i" && width == 8) Convert<int64_t>(src, t);
  else return Unimplemented("{}: NPY dtype {}{} unsupported", what, kind, width);
  return t;
}

StatusOr<Tensor> ReadNpy(const std::string& path) {
  QF_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileBytes(path));
  return ParseNpy(bytes, path);
}

Status WriteNpy(const std::string& path, const Tensor& t) {
  std::string shape;
  for (int64_t d : t.shape()) shape += std::to_string(d) + ",";
  if (t.rank() > 1) shape.pop_back();
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }";
  // Pad so the payload starts on a 64-byte boundary, ending the header with a newline.
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  const uint8_t magic[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<uint8_t>(header.size() & 0xff),
                             static_cast<uint8_t>(header.size() >> 8)};
  const size_t payload = static_cast<size_t>(t.size()) * sizeof(float);
  std::vector<uint8_t> out(sizeof magic + header.size() + payload);
  std::memcpy(out.data(), magic, sizeof magic);
  std::memcpy(out.data() + sizeof magic, header.data(), header.size());
  if (payload) std::memcpy(out.data() + sizeof magic + header.size(), t.data(), payload);
  return WriteFileAtomically(path, out);
}

}  // namespace qforge
