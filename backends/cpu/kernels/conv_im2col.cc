// Unfolding conv inputs for the GEMM path: straight into the packed-GEMM's B panels for 1-D/2-D
// convs (no full im2col matrix: zero-padded planes plus a per-panel column map), and into a
// plain [K, N] matrix for 3-D and up.
#include <algorithm>
#include <cstring>
#include <vector>

#include "backends/cpu/kernels/conv_kernels.h"
#include "backends/cpu/kernels/gemm_packed.h"
#include "backends/cpu/simd.h"

namespace socd::cpu::conv_impl {

PanelMap BuildPanelMap(const DepthwiseShape& s, int64_t pw) {
  using packed_gemm::kNR;
  PanelMap m;
  m.stride = s.sw;
  const int64_t n = s.OH * s.OW;
  for (int64_t j0 = 0; j0 < n; j0 += kNR) {
    m.seg_begin.push_back(static_cast<int32_t>(m.lane.size()));
    for (int64_t q = j0; q < std::min(n, j0 + kNR);) {
      const int64_t oh = q / s.OW, ow = q % s.OW;
      const int64_t cnt = std::min({s.OW - ow, j0 + kNR - q, n - q});
      m.lane.push_back(static_cast<int32_t>(q - j0));
      m.count.push_back(static_cast<int32_t>(cnt));
      m.src.push_back(oh * s.sh * pw + ow * s.sw);
      q += cnt;
    }
  }
  m.seg_begin.push_back(static_cast<int32_t>(m.lane.size()));
  return m;
}

SOCD_HOT_LOOP
void PackMapped(const float* base, const int64_t* row_off, const PanelMap& map, int64_t k0,
                int64_t k1, int64_t n0, int64_t n1, float* dst) {
  using packed_gemm::kNR;
  const int64_t kc = k1 - k0;
  const int64_t st = map.stride;
  for (int64_t j = n0 / kNR; j * kNR < n1; ++j, dst += kc * kNR) {
    const int32_t sb = map.seg_begin[j], se = map.seg_begin[j + 1];
    if (se - sb == 1 && map.count[sb] == kNR) {
      // One run over a whole panel (the common case): fixed-width copies.
      const int64_t off = map.src[sb];
      float* d = dst;
      if (st == 1) {
        for (int64_t p = k0; p < k1; ++p, d += kNR) {
          const float* src = base + row_off[p] + off;
          for (int64_t l = 0; l < kNR; ++l) d[l] = src[l];
        }
        continue;
      }
      if (st == 2) {
        for (int64_t p = k0; p < k1; ++p, d += kNR) {
          const float* src = base + row_off[p] + off;
          for (int64_t l = 0; l < kNR; ++l) d[l] = src[2 * l];
        }
        continue;
      }
    }
    float* d = dst;
    for (int64_t p = k0; p < k1; ++p, d += kNR) {
      const float* row = base + row_off[p];
      int32_t covered = 0;
      for (int32_t g = sb; g < se; ++g) {
        const float* src = row + map.src[g];
        float* out = d + map.lane[g];
        const int32_t cnt = map.count[g];
        if (st == 1) {
          for (int32_t l = 0; l < cnt; ++l) out[l] = src[l];
        } else {
          for (int32_t l = 0; l < cnt; ++l) out[l] = src[l * st];
        }
        covered = map.lane[g] + cnt;
      }
      for (int64_t l = covered; l < kNR; ++l) d[l] = 0.0f;
    }
  }
}

void PadPlanes(const float* x, int64_t planes, const DepthwiseShape& s, int64_t ph, int64_t pw,
               float* dst) {
  const int64_t below = ph - s.pt - s.H, right = pw - s.pl - s.W;
  for (int64_t c = 0; c < planes; ++c) {
    const float* xc = x + c * s.H * s.W;
    float* pc = dst + c * ph * pw;
    std::memset(pc, 0, s.pt * pw * sizeof(float));
    for (int64_t h = 0; h < s.H; ++h) {
      float* row = pc + (s.pt + h) * pw;
      std::memset(row, 0, s.pl * sizeof(float));
      std::memcpy(row + s.pl, xc + h * s.W, s.W * sizeof(float));
      std::memset(row + s.pl + s.W, 0, right * sizeof(float));
    }
    std::memset(pc + (s.pt + s.H) * pw, 0, below * pw * sizeof(float));
  }
}

void Im2ColND(const float* x, int64_t cg, const graph::WindowGeometry& g, float* col) {
  const int nd = g.nd;
  int64_t in_size = 1, out_size = 1, ksize = 1;
  for (int i = 0; i < nd; ++i) in_size *= g.in[i], out_size *= g.out[i], ksize *= g.kernel[i];
  std::vector<int64_t> k(nd), o(nd);
  for (int64_t c = 0; c < cg; ++c) {
    for (int64_t kr = 0; kr < ksize; ++kr) {
      int64_t rem = kr;
      for (int i = nd - 1; i >= 0; --i) k[i] = rem % g.kernel[i], rem /= g.kernel[i];
      float* dst = col + (c * ksize + kr) * out_size;
      std::fill(o.begin(), o.end(), 0);
      for (int64_t p = 0; p < out_size; ++p) {
        int64_t idx = 0;
        bool inside = true;
        for (int i = 0; i < nd; ++i) {
          int64_t pos = o[i] * g.strides[i] - g.pad_begin[i] + k[i] * g.dilations[i];
          if (pos < 0 || pos >= g.in[i]) inside = false;
          idx = idx * g.in[i] + pos;
        }
        dst[p] = inside ? x[c * in_size + idx] : 0.0f;
        for (int i = nd - 1; i >= 0; --i) {
          if (++o[i] < g.out[i]) break;
          o[i] = 0;
        }
      }
    }
  }
}

}  // namespace socd::cpu::conv_impl
