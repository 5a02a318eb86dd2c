// Optimized int8 Add (TFLite's integer formula, kernels/ref/elementwise_ref.h), byte-exact with
// ref::Add:
//   avx512vnni  a table of the output for every (a, b) pair — 64 KiB, made by ref::Add itself
//               at prepare time, so exact by construction — read with 16-lane gathers;
//   avx2        the formula: both inputs shifted left and rescaled, summed, rescaled to the
//               output, 8 lanes at a time with the vector fixed-point code (kernels/x86/add_loop.h);
//   ref         ref::Add.
// C++17.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/kernels/dispatch.h"
#include "runtime/kernels/ref/elementwise_ref.h"

namespace qforge::runtime {

class AddInt8Kernel {
 public:
  AddInt8Kernel(Isa isa, const AddParams& p);
  // Elements [begin, end) (threads take ranges).
  void Run(int64_t begin, int64_t end, const int8_t* input1, const int8_t* input2, int8_t* output) const;

 private:
  Isa isa_;
  AddParams p_;
  std::vector<int8_t> table_;  // avx512vnni: [(a + 128) * 256 + b + 128], then 3 bytes of slack
};

void AddInt8Avx2(const AddParams& p, int64_t begin, int64_t end, const int8_t* input1, const int8_t* input2,
                 int8_t* output);
void AddInt8TableAvx512(const int8_t* table, int64_t begin, int64_t end, const int8_t* input1, const int8_t* input2,
                        int8_t* output);

}  // namespace qforge::runtime
