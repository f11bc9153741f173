// Conv (1-D/2-D/3-D, groups, dilations, any padding) for float32, as GEMMs: per image and group
// Y[Mg, OHW] = W[Mg, K] * col[K, OHW] with K = Cg * prod(kernel), on socd's packed GEMM
// (gemm_packed.h) with the weights packed once when they are constant. The im2col matrix is
// never built: B panels are packed straight from X (1x1/stride-1/unpadded convs copy rows of X),
// and the epilogue (bias, fused residual, fused activation) runs on each block of Y while it
// is in cache. Depthwise convs take their own path (conv_depthwise.cc).
#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/cpu/kernels/conv_kernels.h"
#include "backends/cpu/kernels/gemm_packed.h"
#include "graph/ops/nn_geometry.h"
#include "graph/passes/fusion.h"

namespace socd::cpu::conv_impl {

class ConvKernel : public Kernel {
 public:
  absl::Status Init(const KernelInfo& info) {
    const Shape& x = info.in_shapes[0];
    const Shape& w = info.in_shapes[1];
    nd_ = static_cast<int>(x.size()) - 2;
    auto g =
        graph::ComputeWindow(info.node, {x.begin() + 2, x.end()}, {w.begin() + 2, w.end()}, false);
    if (!g.ok()) return g.status();
    g_ = *g;
    auto act = epilogue::ReadActivation(info);
    if (!act.ok()) return act.status();
    act_ = *act;
    n_ = x[0];
    c_ = x[1];
    m_ = w[0];
    group_ = info.node.GetInt("group", 1);
    if (w.size() != x.size() || group_ < 1 || c_ % group_ != 0 || m_ % group_ != 0 ||
        w[1] * group_ != c_) {
      return info.Error(absl::StrCat("group ", group_, " does not fit X ", graph::ShapeToString(x),
                                     " and W ", graph::ShapeToString(w)));
    }
    cg_ = c_ / group_;
    mg_ = m_ / group_;
    in_size_ = out_size_ = ksize_ = 1;
    for (int i = 0; i < nd_; ++i) {
      in_size_ *= g_.in[i];
      out_size_ *= g_.out[i];
      ksize_ *= g_.kernel[i];
    }
    k_ = cg_ * ksize_;
    threads_ = std::max(1, info.threads);
    if (nd_ <= 2) {
      const bool two = nd_ == 2;
      const int l = nd_ - 1;
      s_ = {two ? g_.in[0] : 1,        g_.in[l],        two ? g_.out[0] : 1,       g_.out[l],
            two ? g_.kernel[0] : 1,    g_.kernel[l],    two ? g_.strides[0] : 1,   g_.strides[l],
            two ? g_.dilations[0] : 1, g_.dilations[l], two ? g_.pad_begin[0] : 0, g_.pad_begin[l]};
    }
    pointwise_ = ksize_ == 1;
    for (int i = 0; i < nd_; ++i) {
      if (g_.strides[i] != 1 || g_.pad_begin[i] != 0 || g_.pad_end[i] != 0) pointwise_ = false;
    }
    depthwise_ = nd_ <= 2 && cg_ == 1 && mg_ == 1 && !pointwise_;
    // 1-D/2-D GEMM convs pack B from zero-padded planes through a column map (pointwise
    // convs straight from X); both read im2col row (c, ki, kj) at row_off_[k].
    mapped_ = !depthwise_ && !pointwise_ && nd_ <= 2;
    if (mapped_) {
      const int64_t pb = nd_ == 2 ? g_.pad_end[0] : 0, pr = g_.pad_end[nd_ - 1];
      // Rows/columns the windows reach, which ceil-less geometry may leave short of the input.
      ph_ = std::max(s_.H + s_.pt + pb, s_.PH());
      pw_ = std::max(s_.W + s_.pl + pr, s_.PW());
      padded_ = ph_ != s_.H || pw_ != s_.W;
      map_ = BuildPanelMap(s_, pw_);
    }
    if (mapped_ || pointwise_) {
      row_off_.resize(k_);
      for (int64_t k = 0; k < k_; ++k) {
        const int64_t c = k / ksize_, r = k % ksize_, ki = r / s_.kw, kj = r % s_.kw;
        row_off_[k] = pointwise_ ? k * in_size_ : c * ph_ * pw_ + ki * s_.dh * pw_ + kj * s_.dw;
      }
    }
    // Few output positions (late layers): C^T = im2col^T * W^T has less tile padding (6-row
    // panels of positions, 16-column panels of channels) and is stored transposed into Y.
    // Cost per K step in multiply-adds: the padded tiles, plus packing (a gathered element
    // costs about as much as 24 multiply-adds, a copied one 2).
    if (mapped_ || pointwise_) {
      auto up = [](int64_t v, int64_t m) { return (v + m - 1) / m * m; };
      const int64_t normal =
          up(out_size_, packed_gemm::kNR) * up(mg_, packed_gemm::kMR) + 2 * out_size_;
      const int64_t trans =
          up(out_size_, packed_gemm::kMR) * up(mg_, packed_gemm::kNR) + 24 * out_size_;
      transposed_ = out_size_ <= 256 && trans * 20 < normal * 19;
    }
    if (transposed_) {
      col_off_.resize(out_size_);
      for (int64_t q = 0; q < out_size_; ++q) {
        col_off_[q] = pointwise_ ? q : (q / s_.OW) * s_.sh * pw_ + (q % s_.OW) * s_.sw;
      }
    }
    // Work items: (image, group, column slice); column slices only to feed idle threads.
    const int64_t units = n_ * group_;
    col_slices_ = 1;
    // Transposed convs (few positions) slice their output channels instead, so late layers
    // (7x7 positions) use every thread too.
    if (!depthwise_ && nd_ <= 2 && units < threads_ &&
        (transposed_ ? mg_ >= 2 * packed_gemm::kNR : out_size_ >= 4 * packed_gemm::kNR))
      col_slices_ = threads_;
    items_ = units * col_slices_;
    slots_ = static_cast<int>(std::clamp<int64_t>(items_, 1, threads_));
    int64_t scratch = 0;
    if (transposed_) {
      // Partial sums of C^T: full tiles, so rows and columns padded to the tile size.
      scratch = (out_size_ + packed_gemm::kMR) / packed_gemm::kMR * packed_gemm::kMR *
                ((mg_ + packed_gemm::kNR - 1) / packed_gemm::kNR * packed_gemm::kNR);
    } else if (depthwise_) {
      scratch = DepthwiseScratch(s_);
    } else {
      scratch = packed_gemm::ScratchFloats(k_, out_size_);
      if (nd_ > 2) scratch += k_ * out_size_;
    }
    scratch_.resize(slots_);
    for (auto& b : scratch_) {
      b.Resize(scratch);
      // Depthwise planes keep their zero padding across calls (conv_depthwise.cc).
      std::memset(b.data(), 0, scratch * sizeof(float));
    }
    gathered_.resize(slots_);
    if (padded_) xpad_.Resize(n_ * c_ * ph_ * pw_);
    if (info.in_consts[1].data) {
      weights_ = info.in_consts[1].as<float>();
      if (!depthwise_) PackWeights(weights_);
    }
    if (info.has_input(2) && info.in_consts[2].data) bias_ = info.in_consts[2].as<float>();
    return absl::OkStatus();
  }

  absl::Status Run(const KernelIo& io) override {
    if (n_ == 0 || m_ == 0 || out_size_ == 0) return absl::OkStatus();
    const float* w = weights_;
    if (!w) {
      w = io.inputs[1].as<float>();
      if (!depthwise_) PackWeights(w);
    }
    Args a;
    a.x = io.inputs[0].as<float>();
    a.w = w;
    a.b = bias_;
    if (!a.b && io.inputs.size() > 2 && io.inputs[2].data) a.b = io.inputs[2].as<float>();
    if (io.inputs.size() > graph::kConvResidualInput && io.inputs[graph::kConvResidualInput].data)
      a.res = io.inputs[graph::kConvResidualInput].as<float>();
    a.y = io.outputs[0].as<float>();
    if (padded_) {
      // All planes once, before the items that read them (possibly several per image).
      const int64_t planes = n_ * c_;
      io.pool->ParallelFor(planes, 8, [&](int64_t b, int64_t e) {
        PadPlanes(a.x + b * in_size_, e - b, s_, ph_, pw_, xpad_.data() + b * ph_ * pw_);
      });
    }
    auto slot = [&](int64_t sb, int64_t se) {
      for (int64_t sl = sb; sl < se; ++sl) {
        for (int64_t it = items_ * sl / slots_; it < items_ * (sl + 1) / slots_; ++it)
          RunItem(it, a, scratch_[sl].data(), gathered_[sl]);
      }
    };
    if (slots_ == 1)
      slot(0, 1);
    else
      io.pool->ParallelFor(slots_, 1, slot);
    return absl::OkStatus();
  }

 private:
  struct Args {
    const float *x = nullptr, *w = nullptr, *b = nullptr, *res = nullptr;
    float* y = nullptr;
  };

  void PackWeights(const float* w) {
    if (transposed_) {
      packed_t_.resize(group_);
      for (int64_t grp = 0; grp < group_; ++grp)
        packed_t_[grp].Pack(w + grp * mg_ * k_, k_, mg_, k_, true);
      return;
    }
    packed_.resize(group_);
    for (int64_t grp = 0; grp < group_; ++grp)
      packed_[grp].Pack(w + grp * mg_ * k_, mg_, k_, k_, 1);
  }

  // Y^T = C^T[out_size_, mg_] = im2col^T * W^T for the channels of this slice, stored
  // transposed straight into Y with the epilogue.
  void RunTransposed(int64_t slice, const float* base, int64_t grp, float* yg, const float* rg,
                     const float* bias, float* scratch, packed_gemm::PackedA& pa) const {
    const int64_t chunk = (mg_ + col_slices_ * packed_gemm::kNR - 1) /
                          (col_slices_ * packed_gemm::kNR) * packed_gemm::kNR;
    const int64_t mb = std::min(mg_, slice * chunk), me = std::min(mg_, mb + chunk);
    if (mb >= me) return;
    pa.PackGather(base, row_off_.data(), col_off_.data(), out_size_, k_);
    packed_gemm::TileEpilogue te;
    te.transpose_store = true;
    te.partial = scratch;  // [panels * kMR, mg_ padded to kNR]
    te.ldp = (mg_ + packed_gemm::kNR - 1) / packed_gemm::kNR * packed_gemm::kNR;
    te.col_bias = bias;
    te.res = rg;
    te.ldr = out_size_;
    packed_gemm::Epilogue epi;
    epi.tile = &te;
    if (!epilogue::AsClamp(act_, te.lo, te.hi)) {
      te.lo = -3.4028235e38f, te.hi = 3.4028235e38f;
      epi.block = [&](int64_t n0, int64_t n1, int64_t m0, int64_t m1) {
        for (int64_t m = m0; m < m1; ++m)
          epilogue::Apply(yg + m * out_size_ + n0, n1 - n0, 0.0f, nullptr, act_);
      };
    }
    packed_gemm::Gemm(pa, mb, me, packed_t_[grp], yg, out_size_, epi, scratch);
  }

  void RunItem(int64_t item, const Args& a, float* scratch, packed_gemm::PackedA& pa) const {
    const int64_t unit = item / col_slices_, slice = item % col_slices_;
    const int64_t img = unit / group_, grp = unit % group_;
    const float* xg = a.x + (img * c_ + grp * cg_) * in_size_;
    const int64_t y_off = (img * m_ + grp * mg_) * out_size_;
    float* yg = a.y + y_off;
    const float* rg = a.res ? a.res + y_off : nullptr;
    if (depthwise_) {
      DepthwisePlane(xg, a.w + grp * ksize_, a.b ? a.b[grp] : 0.0f, rg, yg, scratch, s_, act_);
      return;
    }
    const float* bias = a.b ? a.b + grp * mg_ : nullptr;
    const float* base = padded_ ? xpad_.data() + (img * c_ + grp * cg_) * ph_ * pw_ : xg;
    if (transposed_) return RunTransposed(slice, base, grp, yg, rg, bias, scratch, pa);
    const int64_t chunk = (out_size_ + col_slices_ * packed_gemm::kNR - 1) /
                          (col_slices_ * packed_gemm::kNR) * packed_gemm::kNR;
    const int64_t nb = std::min(out_size_, slice * chunk), ne = std::min(out_size_, nb + chunk);
    // Bias, residual and Relu/Clip in the micro-kernel; other activations in a pass per block.
    packed_gemm::TileEpilogue te;
    packed_gemm::Epilogue epi;
    if (epilogue::AsClamp(act_, te.lo, te.hi)) {
      te.row_bias = bias;
      te.res = rg;
      te.ldr = out_size_;
      epi.tile = &te;
    } else {
      epi.block = [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
        for (int64_t m = m0; m < m1; ++m) {
          epilogue::Apply(yg + m * out_size_ + n0, n1 - n0, bias ? bias[m] : 0.0f,
                          rg ? rg + m * out_size_ + n0 : nullptr, act_);
        }
      };
    }
    if (pointwise_) {
      packed_gemm::Gemm(packed_[grp], nb, ne, packed_gemm::DirectB{xg, row_off_.data()}, yg,
                        out_size_, epi, scratch);
      return;
    }
    packed_gemm::PackBFn pack;
    if (mapped_) {
      pack = [&, base](int64_t k0, int64_t k1, int64_t n0, int64_t n1, float* dst) {
        PackMapped(base, row_off_.data(), map_, k0, k1, n0, n1, dst);
      };
    } else {
      float* col = scratch + packed_gemm::ScratchFloats(k_, out_size_);
      Im2ColND(xg, cg_, g_, col);
      pack = [&, col](int64_t k0, int64_t k1, int64_t n0, int64_t n1, float* dst) {
        packed_gemm::PackMatrixB(col, out_size_, false, k0, k1, n0, n1, dst);
      };
    }
    packed_gemm::Gemm(packed_[grp], nb, ne, pack, yg, out_size_, epi, scratch);
  }

  graph::WindowGeometry g_;
  DepthwiseShape s_{};
  epilogue::Activation act_;
  int nd_ = 0, threads_ = 1, slots_ = 1;
  int64_t n_ = 0, c_ = 0, m_ = 0, group_ = 1, cg_ = 0, mg_ = 0, k_ = 0;
  int64_t in_size_ = 1, out_size_ = 1, ksize_ = 1;
  bool pointwise_ = false, depthwise_ = false;
  int64_t col_slices_ = 1, items_ = 1;
  bool mapped_ = false, padded_ = false, transposed_ = false;
  std::vector<int64_t> col_off_;
  std::vector<packed_gemm::PackedB> packed_t_;  // per group, transposed mode
  std::vector<packed_gemm::PackedA> gathered_;  // per slot, transposed mode
  int64_t ph_ = 0, pw_ = 0;
  std::vector<int64_t> row_off_;
  PanelMap map_;
  packed_gemm::FloatBuffer xpad_;
  const float* weights_ = nullptr;
  const float* bias_ = nullptr;
  std::vector<packed_gemm::PackedA> packed_;  // per group
  std::vector<packed_gemm::FloatBuffer> scratch_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateConv(const KernelInfo& info) {
  if (info.in_dtypes[0] != DType::kFloat32 || info.in_dtypes[1] != DType::kFloat32) {
    return info.Unsupported(absl::StrCat("the CPU Conv supports float32 only, got ",
                                         graph::DTypeName(info.in_dtypes[0])));
  }
  if (info.in_shapes[0].size() < 3) return info.Error("X must have rank >= 3");
  auto k = std::make_unique<ConvKernel>();
  if (auto s = k->Init(info); !s.ok()) return s;
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace socd::cpu::conv_impl
