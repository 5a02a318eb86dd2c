// Direct PNG decoding for the files datasets are mostly made of — 8-bit gray or RGB, not
// interlaced, no palette, transparency, ICC profile or non-sRGB gamma: chunks walked, CRCs
// checked, the image data inflated by one z_stream per thread (reset, not reallocated) and the
// rows unfiltered. libpng's simplified API costs ~9 µs of set-up per image, as much as reading
// the file; this path, a fraction of that. It never reports errors itself: any other kind of
// file, and anything unexpected, is left to libpng (DecodePngWithLibpng, its reference twin —
// the tests hold the two to the same bytes, on valid and on damaged files).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "data/image_decode.h"

namespace qforge {

// The decoded image, or nullopt: not a file this path takes (decode it with libpng).
std::optional<DecodedImage> DecodePngDirect(const std::vector<uint8_t>& bytes);

}  // namespace qforge
