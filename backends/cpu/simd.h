// Hot loops are plain C++ written to auto-vectorize. SOCD_HOT_LOOP compiles a function twice on
// x86-64 (AVX2+FMA and baseline) and picks at load time via ifunc, so one binary uses the wide
// units where they exist without a -march flag that would break older CPUs.
#pragma once

#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) && !defined(SOCD_NO_CLONES)
#define SOCD_HOT_LOOP __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define SOCD_HOT_LOOP
#endif
