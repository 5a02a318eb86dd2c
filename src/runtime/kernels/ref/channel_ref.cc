// Reference channel gather and slice (see channel_ref.h).
#include "runtime/kernels/ref/channel_ref.h"

#include <cstring>

namespace qforge::runtime::ref {

namespace {

template <typename T>
void Gather(int64_t pixels, int64_t in_channels, const std::vector<int32_t>& source, const T* input, T* output) {
  const int64_t out_channels = static_cast<int64_t>(source.size());
  for (int64_t p = 0; p < pixels; ++p) {
    const T* row = input + p * in_channels;
    T* out = output + p * out_channels;
    for (int64_t k = 0; k < out_channels; ++k) out[k] = row[source[k]];
  }
}

}  // namespace

void GatherChannels(int64_t pixels, int64_t in_channels, const std::vector<int32_t>& source, int element_bytes,
                    const uint8_t* input, uint8_t* output) {
  switch (element_bytes) {  // typed copies: int8, int16/float16, float32
    case 1: return Gather(pixels, in_channels, source, input, output);
    case 2:
      return Gather(pixels, in_channels, source, reinterpret_cast<const uint16_t*>(input),
                    reinterpret_cast<uint16_t*>(output));
    case 4:
      return Gather(pixels, in_channels, source, reinterpret_cast<const uint32_t*>(input),
                    reinterpret_cast<uint32_t*>(output));
    default: break;
  }
  const int64_t out_channels = static_cast<int64_t>(source.size());
  for (int64_t p = 0; p < pixels; ++p)
    for (int64_t k = 0; k < out_channels; ++k)
      std::memcpy(output + (p * out_channels + k) * element_bytes,
                  input + (p * in_channels + source[k]) * element_bytes, element_bytes);
}

void Slice(int64_t outer, int64_t axis_size, int64_t begin, int64_t end, int64_t inner_bytes, const uint8_t* input,
           uint8_t* output) {
  const int64_t take = (end - begin) * inner_bytes;
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(output + o * take, input + (o * axis_size + begin) * inner_bytes, static_cast<size_t>(take));
}

}  // namespace qforge::runtime::ref
