// The epilogue of the GEMM-shaped kernels (Conv, Gemm, MatMul): bias, fused residual and
// fused activation (see graph/passes/fusion.h), applied while the output tile is still in
// cache. The math helpers are branch-free so the loops that inline them auto-vectorize.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "absl/status/statusor.h"
#include "backends/cpu/kernel.h"

// Forced inline so each SOCD_HOT_LOOP clone gets its own (vectorized) copy.
#define SOCD_EPI_INLINE __attribute__((always_inline)) inline

// Loops applying activations: SOCD_HOT_LOOP plus -fno-trapping-math (no FP traps are ever
// enabled), without which GCC will not if-convert the clamps in Exp. Kept out of simd.h:
// it blocks inlining of ordinary (non-always_inline) helpers into the loop.
#if defined(__GNUC__) && !defined(__clang__)
#define SOCD_EPI_VECTORIZE __attribute__((optimize("vect-cost-model=dynamic", "no-trapping-math")))
#else
#define SOCD_EPI_VECTORIZE
#endif
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) && !defined(SOCD_NO_CLONES)
#define SOCD_EPI_HOT __attribute__((target_clones("arch=x86-64-v3", "default"))) SOCD_EPI_VECTORIZE
#else
#define SOCD_EPI_HOT SOCD_EPI_VECTORIZE
#endif

namespace socd::cpu::epilogue {

struct Activation {
  enum Kind {
    kNone,
    kRelu,
    kClip,
    kSigmoid,
    kSiLU,
    kLeakyRelu,
    kHardSigmoid,
    kHardSwish,
    kGelu,
    kTanh
  };
  Kind kind = kNone;
  float alpha = 0, beta = 0;
};

// The activations that are a clamp to [lo, hi] (none, Relu, Clip), which GEMM micro-kernels
// apply in registers; false for the others.
inline bool AsClamp(const Activation& a, float& lo, float& hi) {
  lo = -3.4028235e38f, hi = 3.4028235e38f;
  if (a.kind == Activation::kRelu)
    lo = 0.0f;
  else if (a.kind == Activation::kClip)
    lo = a.alpha, hi = a.beta;
  else if (a.kind != Activation::kNone)
    return false;
  return true;
}

// Reads _socd_act/_socd_act_alpha/_socd_act_beta; an unknown name is an error.
absl::StatusOr<Activation> ReadActivation(const KernelInfo& info);

// Ternaries, not std::min/std::max: GCC if-converts (and vectorizes) only these after inlining.
SOCD_EPI_INLINE float Min(float a, float b) { return a < b ? a : b; }
SOCD_EPI_INLINE float Max(float a, float b) { return a > b ? a : b; }

// Cephes-style exp, ~1 ulp on [-87, 88]; clamped outside (no inf/denormal results). Rounds with
// the 1.5 * 2^23 trick since std::floor blocks vectorization. Builtins rather than std::
// wrappers: a loop compiled with different optimize flags (SOCD_EPI_HOT) may not inline those.
// The clamp feeding the float->int conversion vectorizes only with -fno-trapping-math.
SOCD_EPI_INLINE float Exp(float x) {
  x = Min(Max(x, -87.0f), 88.0f);
  const float k = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float r = x - k * 0.693359375f + k * 2.12194440e-4f;
  float p = 1.9875691500E-4f;
  p = p * r + 1.3981999507E-3f;
  p = p * r + 8.3334519073E-3f;
  p = p * r + 4.1665795894E-2f;
  p = p * r + 1.6666665459E-1f;
  p = p * r + 5.0000001201E-1f;
  const float y = p * r * r + r + 1.0f;
  return y * __builtin_bit_cast(float, (static_cast<int32_t>(k) + 127) << 23);
}

SOCD_EPI_INLINE float Sigmoid(float x) { return 1.0f / (1.0f + Exp(-x)); }

// Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7).
SOCD_EPI_INLINE float Erf(float x) {
  const float ax = __builtin_fabsf(x);
  const float t = 1.0f / (1.0f + 0.3275911f * ax);
  float p = 1.061405429f;
  p = p * t - 1.453152027f;
  p = p * t + 1.421413741f;
  p = p * t - 0.284496736f;
  p = p * t + 0.254829592f;
  return __builtin_copysignf(1.0f - p * t * Exp(-ax * ax), x);
}

SOCD_EPI_INLINE float Tanh(float x) {
  const float e = Exp(-2.0f * __builtin_fabsf(x));
  return __builtin_copysignf((1.0f - e) / (1.0f + e), x);
}

template <Activation::Kind K>
SOCD_EPI_INLINE float Act(float v, float a, float b) {
  if constexpr (K == Activation::kRelu) return Max(v, 0.0f);
  if constexpr (K == Activation::kClip) return Min(Max(v, a), b);
  if constexpr (K == Activation::kSigmoid) return Sigmoid(v);
  if constexpr (K == Activation::kSiLU) return v * Sigmoid(v);
  // Both branches computed: a conditional multiply would not be if-converted (it may trap).
  if constexpr (K == Activation::kLeakyRelu) return Max(v, 0.0f) + a * Min(v, 0.0f);
  if constexpr (K == Activation::kHardSigmoid) return Min(Max(a * v + b, 0.0f), 1.0f);
  if constexpr (K == Activation::kHardSwish) return v * Min(Max(v * (1.0f / 6) + 0.5f, 0.0f), 1.0f);
  if constexpr (K == Activation::kGelu) return 0.5f * v * (1.0f + Erf(v * 0.70710678118654752f));
  if constexpr (K == Activation::kTanh) return Tanh(v);
  return v;
}

// y[i] = act(y[i] + bias + res[i]) for i < n; res may be null.
void Apply(float* y, int64_t n, float bias, const float* res, const Activation& act);
// y[i] = act(x[i] + bias + res[i]), y and x not overlapping.
void ApplyFrom(float* y, const float* x, int64_t n, float bias, const float* res,
               const Activation& act);

// Row-major [rows, cols] with leading dimension ld:
// y[r][c] = act(y[r][c] + col_bias[c] + res[r * ld + c]); col_bias and res may be null.
void ApplyRows(float* y, int64_t rows, int64_t cols, int64_t ld, const float* col_bias,
               const float* res, const Activation& act);

}  // namespace socd::cpu::epilogue
