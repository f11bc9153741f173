// Internals shared by the Conv kernel files (conv_kernel.cc, conv_depthwise.cc,
// conv_transpose.cc). Registration goes through nn.cc.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/gemm_epilogue.h"
#include "graph/ops/nn_geometry.h"

namespace socd::cpu::conv_impl {

// One channel plane of a 2-D depthwise convolution (1-D uses H = OH = kh = 1).
struct DepthwiseShape {
  int64_t H, W, OH, OW, kh, kw, sh, sw, dh, dw, pt, pl;
  // The zero-padded input plane the inner loops read: every tap is in bounds.
  int64_t PH() const { return (OH - 1) * sh + (kh - 1) * dh + 1; }
  int64_t PW() const { return (OW - 1) * sw + (kw - 1) * dw + 1; }
};

// Floats of scratch one DepthwisePlane call needs.
int64_t DepthwiseScratch(const DepthwiseShape& s);

// y (OH x OW) = act(conv(x (H x W), w (kh x kw)) + bias + res); res may be null.
void DepthwisePlane(const float* x, const float* w, float bias, const float* res, float* y,
                    float* scratch, const DepthwiseShape& s, const epilogue::Activation& act);

// How GEMM B panels are packed from zero-padded input planes (1-D/2-D convs): im2col row
// (c, ki, kj) starts at row_off = c*ph*pw + ki*dh*pw + kj*dw, and output position (oh, ow)
// reads offset oh*sh*pw + ow*sw from it. Per panel of kNR output positions, the runs of
// consecutive positions within one output row: (first lane, source offset, count), source
// elements `stride` apart.
struct PanelMap {
  std::vector<int32_t> seg_begin;  // per panel, into lane/src/count; one extra at the end
  std::vector<int32_t> lane, count;
  std::vector<int64_t> src;
  int64_t stride = 1;
};
PanelMap BuildPanelMap(const DepthwiseShape& s, int64_t pw);

// Packs rows [k0, k1) x output positions [n0, n1) (n0 a multiple of kNR) into B panels.
void PackMapped(const float* base, const int64_t* row_off, const PanelMap& map, int64_t k0,
                int64_t k1, int64_t n0, int64_t n1, float* dst);

// Copies `planes` H x W planes into zero-padded ph x pw planes (x's (0,0) at (pt, pl)).
void PadPlanes(const float* x, int64_t planes, const DepthwiseShape& s, int64_t ph, int64_t pw,
               float* dst);

// The full [Cg * prod(kernel), prod(out)] im2col matrix of an N-D conv (3-D and up).
void Im2ColND(const float* x, int64_t cg, const graph::WindowGeometry& g, float* col);

absl::StatusOr<std::unique_ptr<Kernel>> CreateConv(const KernelInfo& info);
absl::StatusOr<std::unique_ptr<Kernel>> CreateConvTranspose(const KernelInfo& info);

}  // namespace socd::cpu::conv_impl
