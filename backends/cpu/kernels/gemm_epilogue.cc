#include "backends/cpu/kernels/gemm_epilogue.h"

#include "absl/strings/str_cat.h"
#include "backends/cpu/simd.h"
#include "graph/passes/fusion.h"

namespace socd::cpu::epilogue {

absl::StatusOr<Activation> ReadActivation(const KernelInfo& info) {
  Activation a;
  const graph::Node& n = info.node;
  if (!n.HasAttr(graph::kFusedActAttr)) return a;
  std::string name = n.GetString(graph::kFusedActAttr, "");
  a.alpha = n.GetFloat(graph::kFusedAlphaAttr, 0.0f);
  a.beta = n.GetFloat(graph::kFusedBetaAttr, 0.0f);
  if (name == "Relu")
    a.kind = Activation::kRelu;
  else if (name == "Clip")
    a.kind = Activation::kClip;
  else if (name == "Sigmoid")
    a.kind = Activation::kSigmoid;
  else if (name == "SiLU")
    a.kind = Activation::kSiLU;
  else if (name == "LeakyRelu")
    a.kind = Activation::kLeakyRelu;
  else if (name == "HardSigmoid")
    a.kind = Activation::kHardSigmoid;
  else if (name == "HardSwish")
    a.kind = Activation::kHardSwish;
  else if (name == "Gelu")
    a.kind = Activation::kGelu;
  else if (name == "Tanh")
    a.kind = Activation::kTanh;
  else if (!name.empty())
    return info.Error(absl::StrCat("unknown fused activation '", name, "'"));
  return a;
}

// always_inline: compiled inside each SOCD_HOT_LOOP clone, so the AVX2 clone vectorizes it.
template <Activation::Kind K>
__attribute__((always_inline)) inline void ApplyT(float* __restrict y, int64_t n, float bias,
                                                  const float* __restrict res, float a, float b) {
  if (res) {
    for (int64_t i = 0; i < n; ++i) y[i] = Act<K>(y[i] + bias + res[i], a, b);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = Act<K>(y[i] + bias, a, b);
  }
}

template <Activation::Kind K>
__attribute__((always_inline)) inline void ApplyFromT(float* __restrict y,
                                                      const float* __restrict x, int64_t n,
                                                      float bias, const float* __restrict res,
                                                      float a, float b) {
  if (res) {
    for (int64_t i = 0; i < n; ++i) y[i] = Act<K>(x[i] + bias + res[i], a, b);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = Act<K>(x[i] + bias, a, b);
  }
}

#define SOCD_ACT_CASES(CALL)               \
  case Activation::kRelu:                  \
    return CALL(Activation::kRelu);        \
  case Activation::kClip:                  \
    return CALL(Activation::kClip);        \
  case Activation::kSigmoid:               \
    return CALL(Activation::kSigmoid);     \
  case Activation::kSiLU:                  \
    return CALL(Activation::kSiLU);        \
  case Activation::kLeakyRelu:             \
    return CALL(Activation::kLeakyRelu);   \
  case Activation::kHardSigmoid:           \
    return CALL(Activation::kHardSigmoid); \
  case Activation::kHardSwish:             \
    return CALL(Activation::kHardSwish);   \
  case Activation::kGelu:                  \
    return CALL(Activation::kGelu);        \
  case Activation::kTanh:                  \
    return CALL(Activation::kTanh);

SOCD_EPI_HOT
void Apply(float* y, int64_t n, float bias, const float* res, const Activation& act) {
  const float a = act.alpha, b = act.beta;
#define SOCD_CALL(K) ApplyT<K>(y, n, bias, res, a, b)
  switch (act.kind) {
    case Activation::kNone:
      if (bias == 0.0f && !res) return;
      return SOCD_CALL(Activation::kNone);
      SOCD_ACT_CASES(SOCD_CALL)
  }
#undef SOCD_CALL
}

SOCD_EPI_HOT
void ApplyFrom(float* y, const float* x, int64_t n, float bias, const float* res,
               const Activation& act) {
  const float a = act.alpha, b = act.beta;
#define SOCD_CALL(K) ApplyFromT<K>(y, x, n, bias, res, a, b)
  switch (act.kind) {
    case Activation::kNone:
      return SOCD_CALL(Activation::kNone);
      SOCD_ACT_CASES(SOCD_CALL)
  }
#undef SOCD_CALL
}

template <Activation::Kind K>
__attribute__((always_inline)) inline void ApplyRowsT(float* __restrict y, int64_t rows,
                                                      int64_t cols, int64_t ld,
                                                      const float* __restrict bias,
                                                      const float* __restrict res, float a,
                                                      float b) {
  for (int64_t r = 0; r < rows; ++r) {
    float* row = y + r * ld;
    const float* rr = res ? res + r * ld : nullptr;
    if (bias && rr) {
      for (int64_t c = 0; c < cols; ++c) row[c] = Act<K>(row[c] + bias[c] + rr[c], a, b);
    } else if (bias) {
      for (int64_t c = 0; c < cols; ++c) row[c] = Act<K>(row[c] + bias[c], a, b);
    } else if (rr) {
      for (int64_t c = 0; c < cols; ++c) row[c] = Act<K>(row[c] + rr[c], a, b);
    } else {
      for (int64_t c = 0; c < cols; ++c) row[c] = Act<K>(row[c], a, b);
    }
  }
}

SOCD_EPI_HOT
void ApplyRows(float* y, int64_t rows, int64_t cols, int64_t ld, const float* bias,
               const float* res, const Activation& act) {
  const float a = act.alpha, b = act.beta;
#define SOCD_ROWS_CASE(K) \
  case Activation::K:     \
    return ApplyRowsT<Activation::K>(y, rows, cols, ld, bias, res, a, b);
  switch (act.kind) {
    case Activation::kNone:
      if (!bias && !res) return;
      return ApplyRowsT<Activation::kNone>(y, rows, cols, ld, bias, res, a, b);
      SOCD_ROWS_CASE(kRelu)
      SOCD_ROWS_CASE(kClip)
      SOCD_ROWS_CASE(kSigmoid)
      SOCD_ROWS_CASE(kSiLU)
      SOCD_ROWS_CASE(kLeakyRelu)
      SOCD_ROWS_CASE(kHardSigmoid)
      SOCD_ROWS_CASE(kHardSwish)
      SOCD_ROWS_CASE(kGelu)
      SOCD_ROWS_CASE(kTanh)
  }
#undef SOCD_ROWS_CASE
}

}  // namespace socd::cpu::epilogue
