// AlignedAllocator: std::allocator replacement giving 64-byte (cache line, AVX-512) alignment:
// float tensors of the training engine, packed int8 weights of the runtime. C++17.
#pragma once

#include <cstddef>
#include <new>

namespace qforge {

template <typename T, std::size_t kAlignment = 64>
struct AlignedAllocator {
  using value_type = T;
  template <typename U>
  struct rebind {
    using other = AlignedAllocator<U, kAlignment>;
  };

  AlignedAllocator() = default;
  template <typename U>
  AlignedAllocator(const AlignedAllocator<U, kAlignment>&) {}  // NOLINT

  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(kAlignment)));
  }
  void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t(kAlignment)); }

  template <typename U>
  bool operator==(const AlignedAllocator<U, kAlignment>&) const { return true; }
  template <typename U>
  bool operator!=(const AlignedAllocator<U, kAlignment>&) const { return false; }
};

}  // namespace qforge
