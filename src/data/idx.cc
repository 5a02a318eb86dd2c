// IDX parsing with full validation of magic, rank, dimensions and payload length.
#include "data/idx.h"

#include "data/file_bytes.h"

namespace qforge {

StatusOr<IdxArray> ParseIdx(const std::vector<uint8_t>& b, const std::string& what) {
  if (b.size() < 4) return DataLoss("{}: too short to be an IDX file", what);
  if (b[0] != 0 || b[1] != 0) return DataLoss("{}: not an IDX file (bad magic)", what);
  if (b[2] != 0x08) return DataLoss("{}: IDX element type 0x{:02x} unsupported (need unsigned byte)", what, b[2]);
  const int rank = b[3];
  if (rank < 1 || rank > 4) return DataLoss("{}: IDX rank {} unsupported", what, rank);
  if (b.size() < 4 + 4 * static_cast<size_t>(rank)) return DataLoss("{}: truncated IDX header", what);
  IdxArray a;
  uint64_t count = 1;
  for (int i = 0; i < rank; ++i) {
    const uint8_t* p = b.data() + 4 + 4 * i;
    const uint64_t d = (uint64_t{p[0]} << 24) | (uint64_t{p[1]} << 16) | (uint64_t{p[2]} << 8) | p[3];
    if (d == 0) return DataLoss("{}: IDX dimension {} is zero", what, i);
    count *= d;
    if (count > (uint64_t{1} << 32)) return DataLoss("{}: IDX dimensions too large", what);
    a.dims.push_back(static_cast<int64_t>(d));
  }
  const size_t header = 4 + 4 * static_cast<size_t>(rank);
  if (b.size() - header != count)
    return DataLoss("{}: IDX payload has {} bytes, header promises {}{}", what, b.size() - header,
                    count, b.size() - header < count ? " (truncated file)" : "");
  a.data.assign(b.begin() + header, b.end());
  return a;
}

StatusOr<IdxArray> ReadIdx(const std::string& path) {
  QF_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileBytes(path));
  return ParseIdx(bytes, path);
}

}  // namespace qforge
