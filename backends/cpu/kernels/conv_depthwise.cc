// Depthwise conv planes: no GEMM, since one filter per channel is too little work to
// amortize packing.
#include <algorithm>
#include <cstring>

#include "backends/cpu/kernels/conv_kernels.h"
#include "backends/cpu/simd.h"

namespace socd::cpu::conv_impl {

int64_t DepthwiseScratch(const DepthwiseShape& s) {
  // The padded plane, plus the padded-width output of the small-plane path.
  return std::max(s.PH() * s.PW(), s.W) + s.OH * s.PW() + 32;
}

namespace dw_detail {

// Copies x into the zero-padded plane p (PH x PW), x's (0,0) landing at (pt, pl).
// Plain loops rather than memset/memcpy: planes are often tiny (7x7), where the calls cost
// more than the copy.
__attribute__((always_inline)) inline void PadPlane(const float* __restrict x, float* __restrict p,
                                                    const DepthwiseShape& s) {
  const int64_t ph = s.PH(), pw = s.PW();
  const int64_t left = std::min(s.pl, pw);
  const int64_t cols = std::max<int64_t>(0, std::min(s.W, pw - left));
  for (int64_t r = 0; r < ph; ++r) {
    float* d = p + r * pw;
    const int64_t ih = r - s.pt;
    if (ih < 0 || ih >= s.H) {
      for (int64_t i = 0; i < pw; ++i) d[i] = 0.0f;
      continue;
    }
    const float* src = x + ih * s.W;
    for (int64_t i = 0; i < left; ++i) d[i] = 0.0f;
    for (int64_t i = 0; i < cols; ++i) d[left + i] = src[i];
    for (int64_t i = left + cols; i < pw; ++i) d[i] = 0.0f;
  }
}

// The 3x3 row kernel with the epilogue fused: out[i] = act(sum of taps + bias + res[i]).
// kS is the stride (a constant, so the loop vectorizes).
template <epilogue::Activation::Kind K, int kS>
__attribute__((always_inline)) inline void Row3x3(const float* __restrict r0,
                                                  const float* __restrict r1,
                                                  const float* __restrict r2,
                                                  const float* __restrict w, float* __restrict out,
                                                  int64_t ow, float bias,
                                                  const float* __restrict res, float a, float b) {
  const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6],
              w7 = w[7], w8 = w[8];
  if (res) {
    for (int64_t i = 0; i < ow; ++i) {
      const int64_t j = kS * i;
      const float v = w0 * r0[j] + w1 * r0[j + 1] + w2 * r0[j + 2] + w3 * r1[j] + w4 * r1[j + 1] +
                      w5 * r1[j + 2] + w6 * r2[j] + w7 * r2[j + 1] + w8 * r2[j + 2];
      out[i] = epilogue::Act<K>(v + bias + res[i], a, b);
    }
  } else {
    for (int64_t i = 0; i < ow; ++i) {
      const int64_t j = kS * i;
      const float v = w0 * r0[j] + w1 * r0[j + 1] + w2 * r0[j + 2] + w3 * r1[j] + w4 * r1[j + 1] +
                      w5 * r1[j + 2] + w6 * r2[j] + w7 * r2[j + 1] + w8 * r2[j + 2];
      out[i] = epilogue::Act<K>(v + bias, a, b);
    }
  }
}

template <epilogue::Activation::Kind K>
SOCD_HOT_LOOP __attribute__((noinline)) void PlaneT(const float* p, int64_t stride_row,
                                                    const float* w, float bias, const float* res,
                                                    float* y, const DepthwiseShape& s, float a,
                                                    float b) {
  const bool k3 = s.kh == 3 && s.kw == 3 && s.dh == 1 && s.dw == 1;
  for (int64_t oh = 0; oh < s.OH; ++oh) {
    float* out = y + oh * s.OW;
    const float* base = p + oh * s.sh * stride_row;
    const float* r = res ? res + oh * s.OW : nullptr;
    if (k3 && s.sw == 1) {
      Row3x3<K, 1>(base, base + stride_row, base + 2 * stride_row, w, out, s.OW, bias, r, a, b);
      continue;
    }
    if (k3 && s.sw == 2) {
      Row3x3<K, 2>(base, base + stride_row, base + 2 * stride_row, w, out, s.OW, bias, r, a, b);
      continue;
    }
    for (int64_t i = 0; i < s.OW; ++i) out[i] = 0.0f;
    for (int64_t ki = 0; ki < s.kh; ++ki) {
      const float* row = base + ki * s.dh * stride_row;
      for (int64_t kj = 0; kj < s.kw; ++kj) {
        const float wv = w[ki * s.kw + kj];
        const float* src = row + kj * s.dw;
        const int64_t sw = s.sw;
        for (int64_t i = 0; i < s.OW; ++i) out[i] += wv * src[i * sw];
      }
    }
    for (int64_t i = 0; i < s.OW; ++i)
      out[i] = epilogue::Act<K>(out[i] + bias + (r ? r[i] : 0.0f), a, b);
  }
}

}  // namespace dw_detail

// 3x3 (dilation 1) without a padded copy: rows outside the input read a zero row, the
// columns whose taps all lie inside the input run vectorized, the few border columns scalar.
template <epilogue::Activation::Kind K>
SOCD_HOT_LOOP __attribute__((noinline)) void Plane3x3T(const float* x, const float* w, float bias,
                                                       const float* res, float* y, float* zero,
                                                       const DepthwiseShape& s, float a, float b) {
  // Interior output columns: ow * sw - pl >= 0 and ow * sw - pl + 2 < W.
  const int64_t lo = std::min(s.OW, (s.pl + s.sw - 1) / s.sw);
  const int64_t hi =
      std::max(lo, std::min(s.OW, s.W - 3 + s.pl >= 0 ? (s.W - 3 + s.pl) / s.sw + 1 : 0));
  for (int64_t oh = 0; oh < s.OH; ++oh) {
    const int64_t ih = oh * s.sh - s.pt;
    const float* r0 = ih >= 0 && ih < s.H ? x + ih * s.W : zero;
    const float* r1 = ih + 1 >= 0 && ih + 1 < s.H ? x + (ih + 1) * s.W : zero;
    const float* r2 = ih + 2 >= 0 && ih + 2 < s.H ? x + (ih + 2) * s.W : zero;
    float* out = y + oh * s.OW;
    const float* r = res ? res + oh * s.OW : nullptr;
    if (hi > lo) {
      const int64_t c0 = lo * s.sw - s.pl;
      if (s.sw == 1) {
        dw_detail::Row3x3<K, 1>(r0 + c0, r1 + c0, r2 + c0, w, out + lo, hi - lo, bias,
                                r ? r + lo : nullptr, a, b);
      } else {
        dw_detail::Row3x3<K, 2>(r0 + c0, r1 + c0, r2 + c0, w, out + lo, hi - lo, bias,
                                r ? r + lo : nullptr, a, b);
      }
    }
    auto border = [&](int64_t ow) {
      float v = 0.0f;
      for (int kj = 0; kj < 3; ++kj) {
        const int64_t iw = ow * s.sw - s.pl + kj;
        if (iw >= 0 && iw < s.W) v += w[kj] * r0[iw] + w[3 + kj] * r1[iw] + w[6 + kj] * r2[iw];
      }
      out[ow] = epilogue::Act<K>(v + bias + (r ? r[ow] : 0.0f), a, b);
    };
    for (int64_t ow = 0; ow < lo; ++ow) border(ow);
    for (int64_t ow = hi; ow < s.OW; ++ow) border(ow);
  }
}

// Small planes, 3x3 stride 1: rows too short to vectorize well one at a time, so the padded
// plane is convolved as one long row at the padded width (output position v = oh * pw + ow
// reads p[v + ki * pw + kj]) and the pw - OW extra columns per row are dropped afterwards.
template <epilogue::Activation::Kind K>
SOCD_HOT_LOOP __attribute__((noinline)) void SmallPlane3x3S1(const float* x, const float* w,
                                                             float bias, const float* res, float* y,
                                                             float* scratch,
                                                             const DepthwiseShape& s, float a,
                                                             float b) {
  const int64_t pw = s.PW();
  // The kernel zeroed its scratch once (ConvKernel::Init) and only this interior is ever
  // written here, so the padding stays zero.
  for (int64_t ih = 0; ih < s.H && s.pt + ih < s.PH(); ++ih) {
    std::memcpy(scratch + (s.pt + ih) * pw + s.pl, x + ih * s.W,
                std::min(s.W, pw - s.pl) * sizeof(float));
  }
  const float* p = scratch;
  float* __restrict t = scratch + s.PH() * pw;
  const int64_t vlen = (s.OH - 1) * pw + s.OW;
  const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6],
              w7 = w[7], w8 = w[8];
  const float* __restrict r0 = p;
  const float* __restrict r1 = p + pw;
  const float* __restrict r2 = p + 2 * pw;
  if (!res) {
    // The epilogue in the long vectorized loop, then plain row copies.
    for (int64_t v = 0; v < vlen; ++v) {
      const float acc = w0 * r0[v] + w1 * r0[v + 1] + w2 * r0[v + 2] + w3 * r1[v] + w4 * r1[v + 1] +
                        w5 * r1[v + 2] + w6 * r2[v] + w7 * r2[v + 1] + w8 * r2[v + 2];
      t[v] = epilogue::Act<K>(acc + bias, a, b);
    }
    for (int64_t oh = 0; oh < s.OH; ++oh)
      std::memcpy(y + oh * s.OW, t + oh * pw, s.OW * sizeof(float));
    return;
  }
  for (int64_t v = 0; v < vlen; ++v) {
    t[v] = w0 * r0[v] + w1 * r0[v + 1] + w2 * r0[v + 2] + w3 * r1[v] + w4 * r1[v + 1] +
           w5 * r1[v + 2] + w6 * r2[v] + w7 * r2[v + 1] + w8 * r2[v + 2];
  }
  for (int64_t oh = 0; oh < s.OH; ++oh) {
    const float* src = t + oh * pw;
    float* out = y + oh * s.OW;
    if (res) {
      const float* r = res + oh * s.OW;
      for (int64_t i = 0; i < s.OW; ++i) out[i] = epilogue::Act<K>(src[i] + bias + r[i], a, b);
    } else {
      for (int64_t i = 0; i < s.OW; ++i) out[i] = epilogue::Act<K>(src[i] + bias, a, b);
    }
  }
}

void DepthwisePlane(const float* x, const float* w, float bias, const float* res, float* y,
                    float* scratch, const DepthwiseShape& s, const epilogue::Activation& act) {
  using A = epilogue::Activation;
  const float a = act.alpha, b = act.beta;
  if (s.kh == 3 && s.kw == 3 && s.dh == 1 && s.dw == 1 && s.sh == 1 && s.sw == 1 && s.OW <= 32 &&
      s.pl < s.PW()) {
#define SOCD_DW(K) return SmallPlane3x3S1<K>(x, w, bias, res, y, scratch, s, a, b)
    switch (act.kind) {
      case A::kNone:
        SOCD_DW(A::kNone);
      case A::kRelu:
        SOCD_DW(A::kRelu);
      case A::kClip:
        SOCD_DW(A::kClip);
      default:
        break;
    }
#undef SOCD_DW
  }
  if (s.kh == 3 && s.kw == 3 && s.dh == 1 && s.dw == 1 && (s.sw == 1 || s.sw == 2)) {
    for (int64_t i = 0; i < s.W; ++i) scratch[i] = 0.0f;
#define SOCD_DW(K) return Plane3x3T<K>(x, w, bias, res, y, scratch, s, a, b)
    switch (act.kind) {
      case A::kNone:
        SOCD_DW(A::kNone);
      case A::kRelu:
        SOCD_DW(A::kRelu);
      case A::kClip:
        SOCD_DW(A::kClip);
      default:
        break;  // the rarer activations take the general path
    }
#undef SOCD_DW
  }
  const float* p = x;
  int64_t stride_row = s.W;
  if (s.pt != 0 || s.pl != 0 || s.PH() > s.H || s.PW() > s.W) {
    dw_detail::PadPlane(x, scratch, s);
    p = scratch;
    stride_row = s.PW();
  }
#define SOCD_DW(K) return dw_detail::PlaneT<K>(p, stride_row, w, bias, res, y, s, a, b)
  switch (act.kind) {
    case A::kNone:
      SOCD_DW(A::kNone);
    case A::kRelu:
      SOCD_DW(A::kRelu);
    case A::kClip:
      SOCD_DW(A::kClip);
    case A::kSigmoid:
      SOCD_DW(A::kSigmoid);
    case A::kSiLU:
      SOCD_DW(A::kSiLU);
    case A::kLeakyRelu:
      SOCD_DW(A::kLeakyRelu);
    case A::kHardSigmoid:
      SOCD_DW(A::kHardSigmoid);
    case A::kHardSwish:
      SOCD_DW(A::kHardSwish);
    case A::kGelu:
      SOCD_DW(A::kGelu);
    case A::kTanh:
      SOCD_DW(A::kTanh);
  }
#undef SOCD_DW
}

}  // namespace socd::cpu::conv_impl
