// ConvInteger and QLinearConv: im2col of the zero-point-shifted input, then the exact integer
// GEMM (quant_gemm.h) per image and group, then (QLinearConv) bias and requantization.
// 1-D and 2-D convolutions run as 3-D ones with unit leading spatial dims.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "backends/cpu/kernels/quant_gemm.h"
#include "graph/ops/nn_geometry.h"

namespace socd::cpu {
namespace qconv_impl {

using qgemm::IntAt;

struct Geom {
  int64_t n = 0, c = 0, m = 0, group = 1;
  int64_t in[3] = {1, 1, 1}, k[3] = {1, 1, 1}, out[3] = {1, 1, 1};
  int64_t stride[3] = {1, 1, 1}, dil[3] = {1, 1, 1}, pad[3] = {0, 0, 0};
  int64_t in_size() const { return in[0] * in[1] * in[2]; }
  int64_t out_size() const { return out[0] * out[1] * out[2]; }
  int64_t kc() const { return c / group * k[0] * k[1] * k[2]; }  // GEMM depth per group
  bool pointwise() const {
    for (int d = 0; d < 3; ++d) {
      if (k[d] != 1 || stride[d] != 1 || pad[d] != 0) return false;
    }
    return true;
  }
};

// Input slots; the scale/y/bias slots are -1 for ConvInteger.
struct Slots {
  int x, x_zp, w, w_zp, x_scale = -1, w_scale = -1, y_scale = -1, y_zp = -1, bias = -1;
};

// col[Kc, out_size] from one group's shifted input xs[Cg, in_size]; padding reads as 0.
void Im2Col(const Geom& g, const float* xs, float* col) {
  const int64_t cg = g.c / g.group, os = g.out_size();
  for (int64_t c = 0; c < cg; ++c)
    for (int64_t k0 = 0; k0 < g.k[0]; ++k0)
      for (int64_t k1 = 0; k1 < g.k[1]; ++k1)
        for (int64_t k2 = 0; k2 < g.k[2]; ++k2) {
          float* dst = col + (((c * g.k[0] + k0) * g.k[1] + k1) * g.k[2] + k2) * os;
          for (int64_t o0 = 0; o0 < g.out[0]; ++o0) {
            const int64_t i0 = o0 * g.stride[0] - g.pad[0] + k0 * g.dil[0];
            for (int64_t o1 = 0; o1 < g.out[1]; ++o1, dst += g.out[2]) {
              const int64_t i1 = o1 * g.stride[1] - g.pad[1] + k1 * g.dil[1];
              if (i0 < 0 || i0 >= g.in[0] || i1 < 0 || i1 >= g.in[1]) {
                std::fill(dst, dst + g.out[2], 0.f);
                continue;
              }
              const float* src = xs + ((c * g.in[0] + i0) * g.in[1] + i1) * g.in[2];
              for (int64_t o2 = 0; o2 < g.out[2]; ++o2) {
                const int64_t i2 = o2 * g.stride[2] - g.pad[2] + k2 * g.dil[2];
                dst[o2] = i2 >= 0 && i2 < g.in[2] ? src[i2] : 0.f;
              }
            }
          }
        }
}

class QConvKernel : public Kernel {
 public:
  QConvKernel(const KernelInfo& info, Slots s, Geom g) : s_(s), g_(g), threads_(info.threads) {
    const bool zp_known = !info.has_input(s.w_zp) || info.in_consts[s.w_zp].data != nullptr;
    if (info.in_consts[s.w].data && zp_known) {
      ConvertW(info.in_consts[s.w], info.has_input(s.w_zp) ? &info.in_consts[s.w_zp] : nullptr);
      w_ready_ = true;
    }
  }

  absl::Status Run(const KernelIo& io) override {
    const auto& in = io.inputs;
    auto opt = [&](int slot) -> const TensorView* {
      return slot >= 0 && slot < static_cast<int>(in.size()) && in[slot].data ? &in[slot] : nullptr;
    };
    if (!w_ready_) ConvertW(in[s_.w], opt(s_.w_zp));
    const int32_t xzp = opt(s_.x_zp) ? IntAt(*opt(s_.x_zp), 0) : 0;
    const int64_t cg = g_.c / g_.group, mg = g_.m / g_.group, os = g_.out_size();
    const int64_t kc = g_.kc(), is = g_.in_size();
    const bool quantized = s_.y_scale >= 0;
    const TensorView& out = io.outputs[0];
    xs_.resize(static_cast<size_t>(cg * is));
    if (!g_.pointwise()) col_.resize(static_cast<size_t>(kc * os));
    if (quantized) acc_.resize(static_cast<size_t>(mg * os));
    for (int64_t n = 0; n < g_.n; ++n) {
      for (int64_t grp = 0; grp < g_.group; ++grp) {
        qgemm::ShiftToFloat(in[s_.x], (n * g_.c + grp * cg) * is, cg * is, xzp, xs_.data());
        const float* col = xs_.data();
        if (!g_.pointwise()) {
          Im2Col(g_, xs_.data(), col_.data());
          col = col_.data();
        }
        const int64_t first = (n * g_.m + grp * mg) * os;  // output offset of this group
        int32_t* c = quantized ? acc_.data() : out.as<int32_t>() + first;
        qgemm::ExactIntGemm(mg, os, kc, w_.data() + grp * mg * kc, kc, col, os, c, os, threads_,
                            scratch_);
        if (quantized) Requantize(in, opt(s_.bias), opt(s_.y_zp), out, grp * mg, first);
      }
    }
    return absl::OkStatus();
  }

 private:
  void ConvertW(const TensorView& w, const TensorView* zp) {
    const int64_t kc = g_.kc();
    w_.resize(static_cast<size_t>(g_.m * kc));
    for (int64_t m = 0; m < g_.m; ++m) {
      int32_t z = zp ? IntAt(*zp, zp->numel() == 1 ? 0 : m) : 0;
      qgemm::ShiftToFloat(w, m * kc, kc, z, w_.data() + m * kc);
    }
  }

  void Requantize(const std::vector<TensorView>& in, const TensorView* bias, const TensorView* yzp,
                  const TensorView& out, int64_t m0, int64_t first) {
    const int32_t lo = out.dtype == DType::kUInt8 ? 0 : -128;
    const int32_t hi = out.dtype == DType::kUInt8 ? 255 : 127;
    const TensorView& ws = in[s_.w_scale];
    const float xs = qgemm::ScaleAt(in[s_.x_scale], 0), ys = qgemm::ScaleAt(in[s_.y_scale], 0);
    const int32_t zp = yzp ? IntAt(*yzp, 0) : 0;
    const int64_t os = g_.out_size(), mg = g_.m / g_.group;
    for (int64_t j = 0; j < mg; ++j) {
      const int64_t m = m0 + j;
      // x_scale * w_scale / y_scale in float32, as the reference computes it.
      const float mult = xs * qgemm::ScaleAt(ws, ws.numel() == 1 ? 0 : m) / ys;
      const int32_t b = bias ? IntAt(*bias, m) : 0;
      const int32_t* a = acc_.data() + j * os;
      for (int64_t i = 0; i < os; ++i) {
        qgemm::StoreQuantized(out, first + j * os + i,
                              qgemm::Requantize(a[i] + b, mult, zp, lo, hi));
      }
    }
  }

  Slots s_;
  Geom g_;
  int threads_;
  bool w_ready_ = false;
  std::vector<float> w_, xs_, col_, scratch_;
  std::vector<int32_t> acc_;
};

absl::StatusOr<std::unique_ptr<Kernel>> Create(const KernelInfo& info, Slots s) {
  const Shape& x = info.in_shapes[s.x];
  const Shape& w = info.in_shapes[s.w];
  if (x.size() < 3 || x.size() > 5 || w.size() != x.size()) {
    return info.Unsupported(absl::StrCat("input of rank ", x.size(), " (1-3 spatial dims only)"));
  }
  Geom g;
  g.n = x[0];
  g.c = x[1];
  g.m = w[0];
  g.group = info.node.GetInt("group", 1);
  if (g.group < 1 || g.c != w[1] * g.group || g.m % g.group != 0) {
    return info.Error("channel counts do not match group");
  }
  const int nd = static_cast<int>(x.size()) - 2;
  auto win = graph::ComputeWindow(info.node, std::vector<int64_t>(x.begin() + 2, x.end()),
                                  std::vector<int64_t>(w.begin() + 2, w.end()), false);
  if (!win.ok()) return win.status();
  for (int d = 0; d < nd; ++d) {
    const int j = 3 - nd + d;
    g.in[j] = x[2 + d];
    g.k[j] = w[2 + d];
    g.out[j] = win->out[d];
    g.stride[j] = win->strides[d];
    g.dil[j] = win->dilations[d];
    g.pad[j] = win->pad_begin[d];
  }
  if (info.has_input(s.x_zp) && graph::NumElements(info.in_shapes[s.x_zp]) != 1) {
    return info.Unsupported("a per-channel x_zero_point");
  }
  for (int slot : {s.w_zp, s.w_scale}) {
    if (slot < 0 || !info.has_input(slot)) continue;
    int64_t n = graph::NumElements(info.in_shapes[slot]);
    if (n != 1 && n != g.m) return info.Error("weight scale/zero point must have 1 or M values");
  }
  if (s.y_scale >= 0) {
    for (int slot : {s.x_scale, s.w_scale, s.y_scale, s.y_zp}) {
      if (!info.has_input(slot)) return info.Error(absl::StrCat("input ", slot, " is required"));
    }
    if (info.in_dtypes[s.x_scale] != DType::kFloat32 ||
        info.in_dtypes[s.y_scale] != DType::kFloat32 ||
        info.in_dtypes[s.w_scale] != DType::kFloat32) {
      return info.Unsupported("scales must be float32");
    }
    DType out = info.out_dtypes[0];
    if (out != DType::kUInt8 && out != DType::kInt8) {
      return info.Unsupported(absl::StrCat("output type ", graph::DTypeName(out)));
    }
    if (info.has_input(s.bias) && (info.in_dtypes[s.bias] != DType::kInt32 ||
                                   graph::NumElements(info.in_shapes[s.bias]) != g.m)) {
      return info.Error("B must be int32 with one value per output channel");
    }
  }
  return std::unique_ptr<Kernel>(new QConvKernel(info, s, g));
}

}  // namespace qconv_impl

void RegisterQConvKernels(KernelRegistry& r) {
  using qconv_impl::Slots;
  r.Add({"", "ConvInteger", 10, 1000, [](const KernelInfo& i) {
           return qconv_impl::Create(i, Slots{0, 2, 1, 3});
         }});
  r.Add({"", "QLinearConv", 10, 1000, [](const KernelInfo& i) {
           return qconv_impl::Create(i, Slots{0, 2, 3, 5, 1, 4, 6, 7, 8});
         }});
}

}  // namespace socd::cpu
