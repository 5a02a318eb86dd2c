// Test helper: a buffer placed against an inaccessible (PROT_NONE) page, so a kernel that reads
// or writes one byte past its end (or before its start) faults at once instead of passing by
// luck. POSIX only (mmap).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>

namespace qforge::runtime::testing {

class GuardedBuffer {
 public:
  enum class Guard { kAfter, kBefore };
  GuardedBuffer(size_t bytes, Guard guard) : bytes_(bytes) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t data_pages = (bytes + page - 1) / page;
    mapped_ = (data_pages + 1) * page;
    void* m = mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) throw std::runtime_error("mmap failed");
    base_ = static_cast<uint8_t*>(m);
    if (guard == Guard::kAfter) {
      mprotect(base_ + data_pages * page, page, PROT_NONE);
      data_ = base_ + data_pages * page - bytes;  // ends where the guard page starts
    } else {
      mprotect(base_, page, PROT_NONE);
      data_ = base_ + page;  // starts where the guard page ends
    }
  }
  ~GuardedBuffer() { munmap(base_, mapped_); }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;

  template <typename T>
  T* as() {
    return reinterpret_cast<T*>(data_);
  }
  size_t bytes() const { return bytes_; }

 private:
  size_t bytes_, mapped_ = 0;
  uint8_t* base_ = nullptr;
  uint8_t* data_ = nullptr;
};

}  // namespace qforge::runtime::testing
