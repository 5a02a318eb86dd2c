// NPZ archives: a zip reader that trusts only the central directory (sizes, checksum, method,
// offset; zip64 extra fields where a 32-bit field is saturated), checks each member's local
// header and bounds, inflates deflated members with zlib (capped against decompression bombs)
// and verifies their CRC-32; and a writer of stored (uncompressed) members.
#include "data/npz.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "data/file_bytes.h"

namespace qforge {
namespace {

constexpr uint32_t kLocalHeader = 0x04034b50, kCentralHeader = 0x02014b50, kEndOfDirectory = 0x06054b50,
                   kZip64EndOfDirectory = 0x06064b50, kZip64Locator = 0x07064b50;
constexpr uint64_t kMaxMember = uint64_t{1} << 31;  // bytes of one uncompressed array, and of all
constexpr uint64_t kMaxDeflateRatio = 1032;          // deflate's best case

class Reader {
 public:
  Reader(const std::vector<uint8_t>& bytes, size_t offset) : b_(bytes), at_(offset) {}
  bool Has(size_t n) const { return at_ <= b_.size() && b_.size() - at_ >= n; }
  uint64_t Read(int width) {  // little-endian; callers check Has() first
    uint64_t v = 0;
    for (int i = 0; i < width; ++i) v |= uint64_t{b_[at_ + i]} << (8 * i);
    at_ += width;
    return v;
  }
  void Skip(size_t n) { at_ += n; }
  size_t at() const { return at_; }

 private:
  const std::vector<uint8_t>& b_;
  size_t at_;
};

struct Member {
  std::string file_name;
  uint32_t crc = 0;
  int method = 0;
  uint64_t compressed = 0, size = 0, offset = 0;
};

// Replaces saturated 32-bit fields by the zip64 extra field's 64-bit values, in the zip order.
Status ApplyZip64(const std::vector<uint8_t>& b, size_t extra, size_t extra_len, Member* m, const std::string& what) {
  Reader r(b, extra);
  while (r.at() + 4 <= extra + extra_len) {
    const uint64_t id = r.Read(2), len = r.Read(2);
    if (r.at() + len > extra + extra_len) break;
    if (id == 0x0001) {
      Reader z(b, r.at());
      for (uint64_t* field : {&m->size, &m->compressed, &m->offset}) {
        if (*field != 0xFFFFFFFF) continue;
        if (z.at() + 8 > r.at() + len) return DataLoss("{}: zip64 field of '{}' is truncated", what, m->file_name);
        *field = z.Read(8);
      }
      return Status::Ok();
    }
    r.Skip(len);
  }
  if (m->size == 0xFFFFFFFF || m->compressed == 0xFFFFFFFF || m->offset == 0xFFFFFFFF)
    return DataLoss("{}: '{}' needs a zip64 field it does not have", what, m->file_name);
  return Status::Ok();
}

// Where the central directory starts and how many entries it has.
Status FindDirectory(const std::vector<uint8_t>& b, const std::string& what, uint64_t* start, uint64_t* entries) {
  if (b.size() < 22) return DataLoss("{}: not a zip archive (.npz)", what);
  size_t end = b.size() - 22;
  const size_t lowest = b.size() > 22 + 65535 ? b.size() - 22 - 65535 : 0;
  for (;; --end) {
    Reader r(b, end);
    if (r.Read(4) == kEndOfDirectory) break;
    if (end == lowest) return DataLoss("{}: not a zip archive (.npz): no end of central directory", what);
  }
  Reader r(b, end + 10);
  *entries = r.Read(2);
  r.Skip(4);  // directory size
  *start = r.Read(4);
  if ((*entries == 0xFFFF || *start == 0xFFFFFFFF) && end >= 20) {
    Reader locator(b, end - 20);
    if (locator.Read(4) == kZip64Locator) {
      locator.Skip(4);
      const uint64_t record = locator.Read(8);
      Reader z(b, record);
      if (!z.Has(56) || z.Read(4) != kZip64EndOfDirectory) return DataLoss("{}: damaged zip64 directory", what);
      z.Skip(8 + 2 + 2 + 4 + 4 + 8);  // size, versions, disk numbers, entries on this disk
      *entries = z.Read(8);
      z.Skip(8);
      *start = z.Read(8);
    }
  }
  if (*start >= b.size()) return DataLoss("{}: the central directory lies outside the file", what);
  return Status::Ok();
}

StatusOr<std::vector<Member>> ReadDirectory(const std::vector<uint8_t>& b, const std::string& what) {
  uint64_t start = 0, entries = 0;
  QF_RETURN_IF_ERROR(FindDirectory(b, what, &start, &entries));
  if (entries > 100000) return DataLoss("{}: {} members is too many", what, entries);
  std::vector<Member> members;
  Reader r(b, start);
  for (uint64_t i = 0; i < entries; ++i) {
    if (!r.Has(46) || r.Read(4) != kCentralHeader) return DataLoss("{}: damaged central directory", what);
    Member m;
    r.Skip(2 + 2);  // versions
    const uint64_t flags = r.Read(2);
    m.method = static_cast<int>(r.Read(2));
    r.Skip(4);  // time, date
    m.crc = static_cast<uint32_t>(r.Read(4));
    m.compressed = r.Read(4);
    m.size = r.Read(4);
    const size_t name_len = r.Read(2), extra_len = r.Read(2), comment_len = r.Read(2);
    r.Skip(2 + 2 + 4);  // disk, attributes
    m.offset = r.Read(4);
    if (!r.Has(name_len + extra_len + comment_len)) return DataLoss("{}: damaged central directory", what);
    m.file_name.assign(b.begin() + r.at(), b.begin() + r.at() + name_len);
    QF_RETURN_IF_ERROR(ApplyZip64(b, r.at() + name_len, extra_len, &m, what));
    r.Skip(name_len + extra_len + comment_len);
    if (flags & 1) return Unimplemented("{}: '{}' is encrypted", what, m.file_name);
    members.push_back(std::move(m));
  }
  return members;
}

StatusOr<std::vector<uint8_t>> Inflate(const uint8_t* data, const Member& m, const std::string& what) {
  std::vector<uint8_t> out(m.size);
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return Status(StatusCode::kInternal, "zlib: inflateInit2 failed");
  z.next_in = const_cast<uint8_t*>(data);
  z.avail_in = static_cast<uInt>(m.compressed);
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  const int result = inflate(&z, Z_FINISH);
  const uint64_t produced = z.total_out;
  inflateEnd(&z);
  if (result != Z_STREAM_END || produced != m.size)
    return DataLoss("{}: '{}' does not inflate to its {} bytes", what, m.file_name, m.size);
  return out;
}

StatusOr<std::vector<uint8_t>> Extract(const std::vector<uint8_t>& b, const Member& m, const std::string& what) {
  Reader r(b, m.offset);
  if (m.offset >= b.size() || !r.Has(30) || r.Read(4) != kLocalHeader)
    return DataLoss("{}: '{}' has no local header where the directory says", what, m.file_name);
  r.Skip(2 + 2 + 2 + 4 + 4 + 4 + 4);
  const size_t name_len = r.Read(2), extra_len = r.Read(2);
  r.Skip(name_len + extra_len);
  if (!r.Has(m.compressed)) return DataLoss("{}: '{}' runs past the end of the file", what, m.file_name);
  if (m.size > kMaxMember || m.compressed > kMaxMember ||
      m.size > kMaxDeflateRatio * std::max<uint64_t>(m.compressed, 1))
    return DataLoss("{}: '{}' claims {} bytes uncompressed", what, m.file_name, m.size);
  const uint8_t* data = b.data() + r.at();
  std::vector<uint8_t> out;
  if (m.method == 0) {
    if (m.compressed != m.size) return DataLoss("{}: stored member '{}' has two sizes", what, m.file_name);
    out.assign(data, data + m.size);
  } else if (m.method == 8) {
    QF_ASSIGN_OR_RETURN(out, Inflate(data, m, what));
  } else {
    return Unimplemented("{}: '{}' uses zip method {} (stored and deflate are read)", what, m.file_name, m.method);
  }
  if (crc32(0, out.data(), static_cast<uInt>(out.size())) != m.crc)
    return DataLoss("{}: '{}' fails its CRC-32 check", what, m.file_name);
  return out;
}

void Put(std::vector<uint8_t>& out, uint64_t value, int width) {
  for (int i = 0; i < width; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

}  // namespace

StatusOr<std::vector<NamedArray>> ParseNpz(const std::vector<uint8_t>& bytes, const std::string& what) {
  QF_ASSIGN_OR_RETURN(const std::vector<Member> members, ReadDirectory(bytes, what));
  // Before inflating anything: the members' sizes add up to a bounded total, names are unique.
  uint64_t total = 0;
  std::set<std::string> names;
  for (const Member& m : members) {
    total += std::min(m.size, kMaxMember + 1);
    if (total > kMaxMember) return DataLoss("{}: the arrays claim more than {} bytes in all", what, kMaxMember);
    if (!names.insert(m.file_name).second) return DataLoss("{}: '{}' is in the archive twice", what, m.file_name);
  }
  std::vector<NamedArray> arrays;
  for (const Member& m : members) {
    if (!m.file_name.ends_with(".npy"))
      return InvalidArgument("{}: member '{}' is not an .npy array", what, m.file_name);
    QF_ASSIGN_OR_RETURN(const std::vector<uint8_t> npy, Extract(bytes, m, what));
    NamedArray a;
    a.name = m.file_name.substr(0, m.file_name.size() - 4);
    QF_ASSIGN_OR_RETURN(a.array, ParseNpyArray(npy, what + ": " + m.file_name));
    arrays.push_back(std::move(a));
  }
  return arrays;
}

StatusOr<std::vector<NamedArray>> ReadArrays(const std::string& path) {
  QF_ASSIGN_OR_RETURN(const std::vector<uint8_t> bytes, ReadFileBytes(path));
  if (bytes.size() >= 4 && bytes[0] == 'P' && bytes[1] == 'K') return ParseNpz(bytes, path);
  QF_ASSIGN_OR_RETURN(NpyArray array, ParseNpyArray(bytes, path));
  return std::vector<NamedArray>{{"", std::move(array)}};
}

Status WriteNpz(const std::string& path, const std::vector<NamedArray>& arrays) {
  std::set<std::string> names;
  std::vector<uint8_t> out, directory;
  for (const NamedArray& a : arrays) {
    if (a.name.empty() || !names.insert(a.name).second)
      return InvalidArgument("{}: array names must be unique and non-empty ('{}')", path, a.name);
    const std::string file_name = a.name + ".npy";
    const std::vector<uint8_t> npy = SerializeNpy(a.array);
    const uint64_t offset = out.size();
    if (offset + npy.size() + file_name.size() + 30 >= 0xFFFFFFFF)
      return InvalidArgument("{}: arrays of 4 GiB or more are not written", path);
    const uint32_t crc = static_cast<uint32_t>(crc32(0, npy.data(), static_cast<uInt>(npy.size())));
    // Local header: version 2.0, UTF-8 names, stored, 1980-01-01 00:00.
    for (std::vector<uint8_t>* header : {&out, &directory}) {
      const bool central = header == &directory;
      Put(*header, central ? kCentralHeader : kLocalHeader, 4);
      if (central) Put(*header, 20, 2);  // made by
      Put(*header, 20, 2);
      Put(*header, 0x0800, 2);
      Put(*header, 0, 2);
      Put(*header, 0, 2);
      Put(*header, 0x21, 2);
      Put(*header, crc, 4);
      Put(*header, npy.size(), 4);
      Put(*header, npy.size(), 4);
      Put(*header, file_name.size(), 2);
      Put(*header, 0, 2);
      if (central) {
        Put(*header, 0, 2);  // comment length
        Put(*header, 0, 2);  // disk
        Put(*header, 0, 2);  // internal attributes
        Put(*header, 0, 4);  // external attributes
        Put(*header, offset, 4);
      }
      header->insert(header->end(), file_name.begin(), file_name.end());
    }
    out.insert(out.end(), npy.begin(), npy.end());
  }
  const uint64_t directory_offset = out.size();
  out.insert(out.end(), directory.begin(), directory.end());
  Put(out, kEndOfDirectory, 4);
  Put(out, 0, 4);  // disk numbers
  Put(out, arrays.size(), 2);
  Put(out, arrays.size(), 2);
  Put(out, directory.size(), 4);
  Put(out, directory_offset, 4);
  Put(out, 0, 2);
  return WriteFileAtomically(path, out);
}

}  // namespace qforge
