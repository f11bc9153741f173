// CPU features detected by socd itself (cpuid on x86, HWCAP on Arm). Libraries' own detection
// can be wrong on new or virtualized CPUs, so socd decides which kernels are safe from this.
#pragma once

#include <string>

namespace socd::cpu {

struct CpuFeatures {
  bool sse41 = false;
  bool avx = false;
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512vnni = false;
  bool neon = false;
  bool dotprod = false;
  std::string vendor;
  std::string Describe() const;  // "AVX2+FMA", "AVX-512+VNNI", "NEON+dotprod"
};

const CpuFeatures& GetCpuFeatures();

}  // namespace socd::cpu
