// Reference concatenation (a byte copy).
#include "runtime/kernels/ref/concat_ref.h"

#include <cstring>

namespace qforge::runtime::ref {

void Concatenation(int64_t outer, const std::vector<int64_t>& inner_sizes,
                   const std::vector<const uint8_t*>& inputs, uint8_t* output) {
  int64_t total = 0;
  for (int64_t s : inner_sizes) total += s;
  for (int64_t o = 0; o < outer; ++o) {
    uint8_t* dst = output + o * total;
    for (size_t i = 0; i < inputs.size(); ++i) {
      std::memcpy(dst, inputs[i] + o * inner_sizes[i], static_cast<size_t>(inner_sizes[i]));
      dst += inner_sizes[i];
    }
  }
}

}  // namespace qforge::runtime::ref
