// Hot loops are plain C++ written to auto-vectorize. SOCD_HOT_LOOP compiles a function twice on
// x86-64 (AVX2+FMA and baseline) and picks at load time via ifunc, so one binary uses the wide
// units where they exist without a -march flag that would break older CPUs.
// GCC 12 at -O2 vectorizes only loops whose trip count is a known multiple of the vector width
// (the "very-cheap" cost model), which leaves every loop over a runtime length scalar; hot
// loops get the dynamic cost model. Clang vectorizes at -O2 and has no optimize attribute.
// Loops still fail to vectorize on control flow: helpers they call should use ternaries rather
// than std::min/std::max, std::bit_cast rather than memcpy, and no std::floor (see
// kernels/gemm_epilogue.h); check with objdump for ymm registers in the .arch_x86_64_v3 clone.
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
#define SOCD_VECTORIZE __attribute__((optimize("vect-cost-model=dynamic")))
#else
#define SOCD_VECTORIZE
#endif

#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) && !defined(SOCD_NO_CLONES)
#define SOCD_HOT_LOOP __attribute__((target_clones("arch=x86-64-v3", "default"))) SOCD_VECTORIZE
#else
#define SOCD_HOT_LOOP SOCD_VECTORIZE
#endif
