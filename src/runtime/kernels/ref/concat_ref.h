// Reference concatenation: all inputs share the output's scale and zero point (the quantizer
// gives them one range), so concatenation is a copy — as in TFLite when the parameters agree.
// Works on bytes, so one kernel serves every element type.
#pragma once

#include <cstdint>
#include <vector>

namespace qforge::runtime::ref {

// Inputs are [outer, inner_i] row-major blocks of bytes (inner_i = bytes of the concatenation
// axis and everything after it); the output is [outer, sum(inner_i)].
void Concatenation(int64_t outer, const std::vector<int64_t>& inner_bytes,
                   const std::vector<const uint8_t*>& inputs, uint8_t* output);

}  // namespace qforge::runtime::ref
