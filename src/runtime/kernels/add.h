// Optimized int8 Add (TFLite's integer formula, kernels/ref/elementwise_ref.h), byte-exact with
// ref::Add, the family's reference entry (AddKernels(), kernels/kernel_family.h):
//   avx512vnni  a table of the output for every (a, b) pair — 64 KiB, made by ref::Add itself
//               at prepare time, so exact by construction — read with 16-lane gathers;
//   avx2        the formula: both inputs shifted left and rescaled, summed, rescaled to the
//               output, 8 lanes at a time with the vector fixed-point code (kernels/simd/add_loop.h);
//   neon        the same loop, 4 lanes at a time (64-bit Arm).
// C++17.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/kernels/dispatch.h"
#include "runtime/kernels/ref/elementwise_ref.h"

namespace qforge::runtime {

// Elements [begin, end); `table` is the (a, b) table where the kernel reads one, else null.
using AddRun = void (*)(const AddParams& p, const int8_t* table, int64_t begin, int64_t end, const int8_t* input1,
                        const int8_t* input2, int8_t* output);

// One entry of the add family's table.
struct AddKernel {
  Isa isa;
  const char* name;  // as QFORGE_VERBOSE reports it
  bool reads_table;  // the output of every (a, b) pair, made at prepare time
  AddRun run;        // null for the reference
};

// ref, then the x86 or Arm kernels compiled in.
const std::vector<AddKernel>& AddKernels();

// One layer's Add on an optimized kernel, with its table.
class AddInt8Kernel {
 public:
  AddInt8Kernel(const AddKernel& kernel, const AddParams& p);
  // Elements [begin, end) (threads take ranges).
  void Run(int64_t begin, int64_t end, const int8_t* input1, const int8_t* input2, int8_t* output) const;

 private:
  const AddKernel& kernel_;
  AddParams p_;
  std::vector<int8_t> table_;  // reads_table: [(a + 128) * 256 + b + 128], then 3 bytes of slack
};

void AddInt8Avx2(const AddParams& p, const int8_t* /*no table*/, int64_t begin, int64_t end, const int8_t* input1,
                 const int8_t* input2, int8_t* output);
void AddInt8Neon(const AddParams& p, const int8_t* /*no table*/, int64_t begin, int64_t end, const int8_t* input1,
                 const int8_t* input2, int8_t* output);
void AddInt8TableAvx512(const AddParams& /*in the table*/, const int8_t* table, int64_t begin, int64_t end,
                        const int8_t* input1, const int8_t* input2, int8_t* output);

}  // namespace qforge::runtime
