// File reading (plain or gzip) and atomic writing.
#include "data/file_bytes.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace qforge {

StatusOr<std::vector<uint8_t>> ReadFileBytes(const std::string& path, uint64_t max_bytes) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return NotFound("{}: no such file", path);
  if (std::filesystem::is_directory(path, ec)) return InvalidArgument("{}: is a directory", path);
  // gzopen reads plain files as they are, and gzip files decompressed.
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return NotFound("{}: cannot open ({})", path, std::strerror(errno));
  std::vector<uint8_t> out;
  std::vector<uint8_t> chunk(1 << 20);
  while (true) {
    const int n = gzread(f, chunk.data(), static_cast<unsigned>(chunk.size()));
    if (n < 0) {
      int err = 0;
      std::string msg = gzerror(f, &err);
      gzclose(f);
      return DataLoss("{}: corrupt or unreadable ({})", path, msg);
    }
    if (n == 0) break;
    if (out.size() + n > max_bytes) {
      gzclose(f);
      return DataLoss("{}: larger than the {} byte limit", path, max_bytes);
    }
    out.insert(out.end(), chunk.begin(), chunk.begin() + n);
  }
  // A truncated gzip stream reads as a short file; gzclose reports the missing trailer.
  const int rc = gzclose(f);
  if (rc != Z_OK) return DataLoss("{}: truncated or corrupt compressed data", path);
  return out;
}

Status WriteFileAtomically(const std::string& path, const std::vector<uint8_t>& bytes) {
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return InvalidArgument("{}: cannot write ({})", tmp, std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string err = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return InternalError("{}: write failed ({})", tmp, err);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return InternalError("{}: could not flush to disk", tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    return InternalError("cannot rename {} to {} ({})", tmp, path, err);
  }
  return Status::Ok();
}

}  // namespace qforge
