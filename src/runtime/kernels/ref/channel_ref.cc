// Reference channel gather and slice (see channel_ref.h).
#include "runtime/kernels/ref/channel_ref.h"

#include <cstring>

namespace qforge::runtime::ref {

void GatherChannels(int64_t pixels, int64_t in_channels, const std::vector<int32_t>& source, int element_bytes,
                    const uint8_t* input, uint8_t* output) {
  const int64_t out_channels = static_cast<int64_t>(source.size());
  for (int64_t p = 0; p < pixels; ++p) {
    const uint8_t* row = input + p * in_channels * element_bytes;
    uint8_t* out = output + p * out_channels * element_bytes;
    for (int64_t k = 0; k < out_channels; ++k)
      std::memcpy(out + k * element_bytes, row + static_cast<int64_t>(source[k]) * element_bytes, element_bytes);
  }
}

void Slice(int64_t outer, int64_t axis_size, int64_t begin, int64_t end, int64_t inner_bytes, const uint8_t* input,
           uint8_t* output) {
  const int64_t take = (end - begin) * inner_bytes;
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(output + o * take, input + (o * axis_size + begin) * inner_bytes, static_cast<size_t>(take));
}

}  // namespace qforge::runtime::ref
