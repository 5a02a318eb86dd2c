// File reading (plain or gzip) and atomic writing.
#include "data/file_bytes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace qforge {

constexpr size_t kGunzipChunk = size_t{1} << 16;  // bytes decompressed per call

namespace {

// Closes a file descriptor when it goes out of scope.
struct ClosingFd {
  int fd;
  ~ClosingFd() {
    if (fd >= 0) ::close(fd);
  }
};

// Reads up to `size` bytes from `fd` (fewer at end of file).
StatusOr<size_t> ReadUpTo(int fd, uint8_t* out, size_t size, const std::string& path) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, out + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return DataLoss("{}: corrupt or unreadable ({})", path, std::strerror(errno));
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

// The decompressed content of the gzip file open as `fd` (taken over and closed).
StatusOr<std::vector<uint8_t>> Gunzip(int fd, const std::string& path, uint64_t max_bytes) {
  gzFile f = gzdopen(fd, "rb");
  if (!f) {
    ::close(fd);
    return NotFound("{}: cannot open ({})", path, std::strerror(errno));
  }
  std::vector<uint8_t> out;
  const std::unique_ptr<uint8_t[]> chunk(new uint8_t[kGunzipChunk]);
  while (true) {
    const int n = gzread(f, chunk.get(), static_cast<unsigned>(kGunzipChunk));
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
    out.insert(out.end(), chunk.get(), chunk.get() + n);
  }
  // A truncated gzip stream reads as a short file; gzclose reports the missing trailer.
  if (gzclose(f) != Z_OK) return DataLoss("{}: truncated or corrupt compressed data", path);
  return out;
}

}  // namespace

StatusOr<std::vector<uint8_t>> ReadFileBytes(const std::string& path, uint64_t max_bytes) {
  ClosingFd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return NotFound("{}: no such file", path);
    return NotFound("{}: cannot open ({})", path, std::strerror(errno));
  }
  struct stat info {};
  if (::fstat(file.fd, &info) != 0) return NotFound("{}: cannot open ({})", path, std::strerror(errno));
  if (S_ISDIR(info.st_mode)) return InvalidArgument("{}: is a directory", path);
  uint8_t magic[2] = {0, 0};
  QF_ASSIGN_OR_RETURN(const size_t magic_size, ReadUpTo(file.fd, magic, sizeof magic, path));
  if (magic_size == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    if (::lseek(file.fd, 0, SEEK_SET) != 0) return DataLoss("{}: cannot read it twice (a pipe?)", path);
    const int fd = file.fd;
    file.fd = -1;
    return Gunzip(fd, path, max_bytes);
  }
  // A plain file: a regular file's size up front (one read), else doubling until its end.
  std::vector<uint8_t> out(magic, magic + magic_size);
  uint64_t capacity = S_ISREG(info.st_mode) ? static_cast<uint64_t>(info.st_size) + 1 : kGunzipChunk;
  while (magic_size == sizeof magic) {
    const size_t had = out.size();
    const uint64_t target = std::max<uint64_t>(std::min<uint64_t>(capacity, max_bytes + 1), had + 1);
    out.resize(target);
    QF_ASSIGN_OR_RETURN(const size_t n, ReadUpTo(file.fd, out.data() + had, target - had, path));
    out.resize(had + n);
    if (out.size() > max_bytes) return DataLoss("{}: larger than the {} byte limit", path, max_bytes);
    if (had + n < target) break;  // end of file
    capacity = target * 2;
  }
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
