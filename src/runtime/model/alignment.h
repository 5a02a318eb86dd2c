// Whether a value inside a loaded file sits at an address its type may be read from. The
// FlatBuffers verifier checks a vector's length field, not its elements' alignment, and the
// readers of .qfm and .tflite files read elements in place: a misaligned vector is a damaged
// file (found by fuzz_qfm and fuzz_tflite; docs/reliability.md).
#pragma once

#include <cstddef>
#include <cstdint>

namespace qforge::runtime {

inline bool IsAligned(const void* p, size_t alignment) { return reinterpret_cast<uintptr_t>(p) % alignment == 0; }

}  // namespace qforge::runtime
