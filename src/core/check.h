// QF_CHECK: internal invariants. A failure is a bug in qforge, so it aborts with file:line.
#pragma once

#include <cstdio>
#include <cstdlib>

#define QF_CHECK(cond)                                                              \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: internal check failed: %s\n", __FILE__, __LINE__, \
                   #cond);                                                          \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)
