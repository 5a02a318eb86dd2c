// File reading (plain or gzip) and atomic writing.
#include "data/file_bytes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

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

// The decompressed content of gzip data: one member, or several one after the other (as
// `cat a.gz b.gz` makes them); bytes after a member that start no other are ignored, as gzip does.
StatusOr<std::vector<uint8_t>> Gunzip(const std::vector<uint8_t>& in, const std::string& path, uint64_t max_bytes) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return InternalError("{}: cannot start zlib", path);
  const struct End {
    z_stream* z;
    ~End() { inflateEnd(z); }
  } end{&z};
  size_t fed = 0;  // input handed to zlib so far (in pieces: its counts are 32-bit)
  std::vector<uint8_t> out;
  const std::unique_ptr<uint8_t[]> chunk(new uint8_t[kGunzipChunk]);
  while (true) {
    if (z.avail_in == 0 && fed < in.size()) {
      z.next_in = const_cast<Bytef*>(in.data() + fed);
      z.avail_in = static_cast<uInt>(std::min<size_t>(in.size() - fed, size_t{1} << 30));
      fed += z.avail_in;
    }
    z.next_out = chunk.get();
    z.avail_out = static_cast<uInt>(kGunzipChunk);
    const int rc = inflate(&z, Z_NO_FLUSH);
    const size_t n = kGunzipChunk - z.avail_out;
    if (out.size() + n > max_bytes) return DataLoss("{}: larger than the {} byte limit", path, max_bytes);
    out.insert(out.end(), chunk.get(), chunk.get() + n);
    if (rc == Z_STREAM_END) {
      // (A next member split across two pieces of input reads as the end: pieces are 1 GiB.)
      if (z.avail_in < 2 || z.next_in[0] != 0x1f || z.next_in[1] != 0x8b) return out;
      inflateReset(&z);
    } else if (rc == Z_BUF_ERROR && z.avail_in == 0 && fed == in.size()) {
      return DataLoss("{}: truncated or corrupt compressed data", path);
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return DataLoss("{}: corrupt or unreadable ({})", path, z.msg ? z.msg : "inflate failed");
    }
  }
}

}  // namespace

StatusOr<std::vector<uint8_t>> DecompressIfGzip(std::vector<uint8_t> bytes, const std::string& what,
                                                uint64_t max_bytes) {
  if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) return Gunzip(bytes, what, max_bytes);
  return bytes;
}

StatusOr<std::vector<uint8_t>> ReadFileBytes(const std::string& path, uint64_t max_bytes) {
  ClosingFd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return NotFound("{}: no such file", path);
    return NotFound("{}: cannot open ({})", path, std::strerror(errno));
  }
  struct stat info {};
  if (::fstat(file.fd, &info) != 0) return NotFound("{}: cannot open ({})", path, std::strerror(errno));
  if (S_ISDIR(info.st_mode)) return InvalidArgument("{}: is a directory", path);
  std::vector<uint8_t> out;
  if (S_ISREG(info.st_mode) && static_cast<uint64_t>(info.st_size) > max_bytes)
    return DataLoss("{}: larger than the {} byte limit", path, max_bytes);
  if (S_ISREG(info.st_mode) && info.st_size > 0) {
    out.resize(static_cast<size_t>(info.st_size));  // the whole file in one read (as it was when opened)
    QF_ASSIGN_OR_RETURN(const size_t n, ReadUpTo(file.fd, out.data(), out.size(), path));
    out.resize(n);
  } else {  // a pipe, a device or a file that reports no size (procfs): read to its end or the limit
    while (true) {
      const size_t had = out.size();
      const uint64_t target = std::min<uint64_t>(std::max<uint64_t>(2 * had, kGunzipChunk), max_bytes + 1);
      out.resize(target);
      QF_ASSIGN_OR_RETURN(const size_t n, ReadUpTo(file.fd, out.data() + had, target - had, path));
      out.resize(had + n);
      if (out.size() > max_bytes) return DataLoss("{}: larger than the {} byte limit", path, max_bytes);
      if (had + n < target) break;  // end of file
    }
  }
  return DecompressIfGzip(std::move(out), path, max_bytes);
}

Status WriteFileAtomically(const std::string& path, const std::vector<uint8_t>& bytes) {
  // Written next to `path` under a name of this process, made durable, then renamed over it: a
  // reader (or a crash at any point) sees the old file or the new one, whole. A failure (a full
  // disk, a file-size limit) removes the temporary file and leaves any old file as it was.
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  const auto failed = [&](const char* doing, int err) {
    ::unlink(tmp.c_str());
    const bool had_file = ::access(path.c_str(), F_OK) == 0;
    return InternalError("{}: not written: {} failed ({}){}", path, doing, std::strerror(err),
                         had_file ? "; the existing file is unchanged" : "");
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return InvalidArgument("{}: cannot write ({})", tmp, std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return failed("writing", err);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return failed("flushing to disk", err);
  }
  if (::close(fd) != 0) return failed("closing", errno);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return failed("renaming the temporary file", errno);
  // The rename itself made durable (a power loss after return keeps the new file).
  const size_t slash = path.rfind('/');
  const std::string folder = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Status::Ok();
}

}  // namespace qforge
