// ConvTranspose for float32: per image and group, col[Mg*k, HWin] = W_g^T * X_g by GEMM, then
// col2im scatters each column into the output (which starts as the bias).
#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/cpu/gemm.h"
#include "backends/cpu/kernels/conv_kernels.h"
#include "graph/ops/nn_geometry.h"

namespace socd::cpu::conv_impl {

void Col2ImND(const float* col, int64_t mg, const graph::WindowGeometry& g, float* y) {
  const int nd = g.nd;
  int64_t in_size = 1, out_size = 1, ksize = 1;
  for (int i = 0; i < nd; ++i) in_size *= g.in[i], out_size *= g.out[i], ksize *= g.kernel[i];
  std::vector<int64_t> k(nd), p(nd);
  for (int64_t m = 0; m < mg; ++m) {
    float* ym = y + m * out_size;
    for (int64_t kr = 0; kr < ksize; ++kr) {
      int64_t rem = kr;
      for (int i = nd - 1; i >= 0; --i) k[i] = rem % g.kernel[i], rem /= g.kernel[i];
      const float* src = col + (m * ksize + kr) * in_size;
      std::fill(p.begin(), p.end(), 0);
      for (int64_t q = 0; q < in_size; ++q) {
        int64_t idx = 0;
        bool inside = true;
        for (int i = 0; i < nd; ++i) {
          int64_t pos = p[i] * g.strides[i] - g.pad_begin[i] + k[i] * g.dilations[i];
          if (pos < 0 || pos >= g.out[i]) inside = false;
          idx = idx * g.out[i] + pos;
        }
        if (inside) ym[idx] += src[q];
        for (int i = nd - 1; i >= 0; --i) {
          if (++p[i] < g.in[i]) break;
          p[i] = 0;
        }
      }
    }
  }
}

class ConvTransposeKernel : public Kernel {
 public:
  absl::Status Init(const KernelInfo& info) {
    const Shape& x = info.in_shapes[0];
    const Shape& w = info.in_shapes[1];
    if (w.size() != x.size()) return info.Error("W and X ranks differ");
    auto g = graph::ComputeTransposeWindow(info.node, {x.begin() + 2, x.end()},
                                           {w.begin() + 2, w.end()});
    if (!g.ok()) return g.status();
    g_ = *g;
    n_ = x[0];
    c_ = x[1];
    group_ = info.node.GetInt("group", 1);
    if (group_ < 1 || c_ % group_ != 0 || w[0] != c_) {
      return info.Error(absl::StrCat("group ", group_, " does not fit X ", graph::ShapeToString(x),
                                     " and W ", graph::ShapeToString(w)));
    }
    cg_ = c_ / group_;
    mg_ = w[1];
    m_ = mg_ * group_;
    in_size_ = out_size_ = ksize_ = 1;
    for (int i = 0; i < g_.nd; ++i) {
      in_size_ *= g_.in[i];
      out_size_ *= g_.out[i];
      ksize_ *= g_.kernel[i];
    }
    threads_ = std::max(1, info.threads);
    col_.assign(mg_ * ksize_ * in_size_, 0.0f);
    return absl::OkStatus();
  }

  absl::Status Run(const KernelIo& io) override {
    const float* x = io.inputs[0].as<float>();
    const float* w = io.inputs[1].as<float>();
    const float* b = io.inputs.size() > 2 && io.inputs[2].data ? io.inputs[2].as<float>() : nullptr;
    float* y = io.outputs[0].as<float>();
    for (int64_t img = 0; img < n_; ++img) {
      for (int64_t grp = 0; grp < group_; ++grp) {
        float* yg = y + (img * m_ + grp * mg_) * out_size_;
        for (int64_t m = 0; m < mg_; ++m) {
          std::fill(yg + m * out_size_, yg + (m + 1) * out_size_, b ? b[grp * mg_ + m] : 0.0f);
        }
        if (cg_ == 0 || in_size_ == 0) continue;
        const float* xg = x + (img * c_ + grp * cg_) * in_size_;
        const float* wg = w + grp * cg_ * mg_ * ksize_;
        Sgemm(true, false, mg_ * ksize_, in_size_, cg_, 1.0f, wg, mg_ * ksize_, xg, in_size_, 0.0f,
              col_.data(), in_size_, threads_);
        Col2ImND(col_.data(), mg_, g_, yg);
      }
    }
    return absl::OkStatus();
  }

 private:
  graph::WindowGeometry g_;
  int threads_ = 1;
  int64_t n_ = 0, c_ = 0, m_ = 0, group_ = 1, cg_ = 0, mg_ = 0;
  int64_t in_size_ = 1, out_size_ = 1, ksize_ = 1;
  std::vector<float> col_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateConvTranspose(const KernelInfo& info) {
  if (info.in_dtypes[0] != DType::kFloat32 || info.in_dtypes[1] != DType::kFloat32) {
    return info.Unsupported(absl::StrCat("the CPU ConvTranspose supports float32 only, got ",
                                         graph::DTypeName(info.in_dtypes[0])));
  }
  if (info.in_shapes[0].size() < 3) return info.Error("X must have rank >= 3");
  auto k = std::make_unique<ConvTransposeKernel>();
  if (auto s = k->Init(info); !s.ok()) return s;
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace socd::cpu::conv_impl
