// Reference int8 concatenation: all inputs share the output's scale and zero point (the
// quantizer gives them one range), so concatenation is a copy — as in TFLite when the
// parameters agree.
#pragma once

#include <cstdint>
#include <vector>

namespace qforge::runtime::ref {

// Inputs are [outer, inner_i] row-major blocks (inner_i = size of the concatenation axis times
// everything after it); the output is [outer, sum(inner_i)].
void Concatenation(int64_t outer, const std::vector<int64_t>& inner_sizes,
                   const std::vector<const int8_t*>& inputs, int8_t* output);

}  // namespace qforge::runtime::ref
