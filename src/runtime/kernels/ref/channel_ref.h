// Reference data movement along the last axis: a gather of channels per pixel (CHANNEL_SHUFFLE)
// and a slice along any axis (SLICE). Byte copies: one kernel serves every element type, and
// the quantized operands share one scale and zero point.
#pragma once

#include <cstdint>
#include <vector>

namespace qforge::runtime::ref {

// out[p][k] = in[p][source[k]] for each of `pixels` rows: `in_channels` elements in, source.size()
// out, each `element_bytes` wide.
void GatherChannels(int64_t pixels, int64_t in_channels, const std::vector<int32_t>& source, int element_bytes,
                    const uint8_t* input, uint8_t* output);

// Input [outer, axis_size, inner] -> output [outer, end - begin, inner] of elements
// [begin, end) along the middle axis; `inner_bytes` = bytes of one inner block.
void Slice(int64_t outer, int64_t axis_size, int64_t begin, int64_t end, int64_t inner_bytes, const uint8_t* input,
           uint8_t* output);

}  // namespace qforge::runtime::ref
