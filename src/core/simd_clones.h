// QF_SIMD_CLONES: compiles a function with hot vectorizable loops three times — for AVX-512
// (x86-64-v4), AVX2 + FMA (x86-64-v3) and baseline x86-64 — and lets the loader pick, once per
// process, the clone this CPU supports (GCC's function multiversioning through an ifunc).
// Loops and OpenMP regions inside the function are compiled for each target. Elsewhere (other
// architectures, compilers without the attribute, and clang, whose target_clones takes no
// function templates as of clang 14) it expands to nothing and the function is compiled once
// for the build's target.
//
// Floating-point results may differ in the last bits between clones (FMA contraction, vector
// width of reductions), as they do between oneDNN's ISA paths.
#pragma once

#if defined(__x86_64__) && defined(__ELF__) && defined(__has_attribute)
#if __has_attribute(target_clones) && !defined(__clang__) && !defined(QFORGE_NO_SIMD_CLONES)
#define QF_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
#endif

#ifndef QF_SIMD_CLONES
#define QF_SIMD_CLONES
#endif
