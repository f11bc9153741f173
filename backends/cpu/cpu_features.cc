#include "backends/cpu/cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#include <cstring>

namespace socd::cpu {
namespace {

CpuFeatures Detect() {
  CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
  unsigned a, b, c, d;
  if (__get_cpuid(0, &a, &b, &c, &d)) {
    char v[13];
    std::memcpy(v, &b, 4);
    std::memcpy(v + 4, &d, 4);
    std::memcpy(v + 8, &c, 4);
    v[12] = 0;
    f.vendor = v;
  }
  if (__get_cpuid(1, &a, &b, &c, &d)) {
    f.sse41 = c & bit_SSE4_1;
    f.fma = c & bit_FMA;
    f.f16c = c & bit_F16C;
    bool osxsave = c & bit_OSXSAVE;
    bool avx_hw = c & bit_AVX;
    unsigned xcr0_lo = 0, xcr0_hi = 0;
    if (osxsave) __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    bool ymm_os = (xcr0_lo & 0x6) == 0x6;
    bool zmm_os = (xcr0_lo & 0xe6) == 0xe6;
    f.avx = avx_hw && ymm_os;
    f.fma = f.fma && f.avx;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
      f.avx2 = f.avx && (b & bit_AVX2);
      f.avx512f = zmm_os && (b & bit_AVX512F);
      f.avx512bw = f.avx512f && (b & bit_AVX512BW);
      f.avx512vl = f.avx512f && (b & bit_AVX512VL);
      f.avx512vnni = f.avx512f && (c & (1u << 11));
    }
  }
#elif defined(__aarch64__)
  unsigned long hw = getauxval(AT_HWCAP);
  f.neon = hw & HWCAP_ASIMD;
  f.dotprod = hw & HWCAP_ASIMDDP;
  f.vendor = "arm";
#endif
  return f;
}

}  // namespace

std::string CpuFeatures::Describe() const {
  if (avx512f) return avx512vnni ? "AVX-512+VNNI" : "AVX-512";
  if (avx2) return fma ? "AVX2+FMA" : "AVX2";
  if (avx) return "AVX";
  if (neon) return dotprod ? "NEON+dotprod" : "NEON";
  return "baseline";
}

const CpuFeatures& GetCpuFeatures() {
  static const CpuFeatures f = Detect();
  return f;
}

}  // namespace socd::cpu
