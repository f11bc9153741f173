// MaxPool, AveragePool, LpPool and the global pools. 1-D/2-D max and average pooling without
// an Indices output run row-vectorized (each tap updates a whole output row); the rest goes
// through one N-D loop that also produces MaxPool's argmax Indices.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/cpu/kernel.h"
#include "backends/cpu/simd.h"
#include "graph/ops/nn_geometry.h"

namespace socd::cpu::pool_impl {

enum class Kind { kMax, kAvg, kLp };

struct Plan {
  graph::WindowGeometry g;
  int64_t planes = 0, in_size = 1, out_size = 1;
  bool include_pad = false;
  float p = 2;
  int storage_order = 0;
  // Row-vectorized 1-D/2-D path: dims as 2-D, and window counts per output row/column.
  bool fast = false;
  int64_t H, W, OH, OW, kh, kw, sh, sw, dh, dw, pt, pl;
  std::vector<float> count_h, count_w;
  std::vector<float> inv_h, inv_w;  // 1/count (0 for an empty window)
  bool empty_cols = false;
};

// Taps of a window along one dim that count: inside the input, or with include_pad inside
// the explicitly padded extent (not the extra room ceil_mode adds).
float CountTaps(int64_t o, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe, int64_t in,
                bool include_pad) {
  int64_t n = 0;
  for (int64_t t = 0; t < k; ++t) {
    int64_t pos = o * s - pb + t * d;
    if (include_pad ? (pos >= -pb && pos < in + pe) : (pos >= 0 && pos < in)) ++n;
  }
  return static_cast<float>(n);
}

// [lo, hi): output columns whose tap at offset `off` (iw = ow * s + off) lies inside [0, w).
inline void TapRange(int64_t off, int64_t s, int64_t w, int64_t ow, int64_t& lo, int64_t& hi) {
  lo = off >= 0 ? 0 : (-off + s - 1) / s;
  hi = w - off <= 0 ? 0 : (w - off + s - 1) / s;
  lo = std::min(lo, ow);
  hi = std::max(lo, std::min(hi, ow));
}

// out[i] = max(out[i], src[i * stride]) (or +=) for i in [lo, hi).
template <typename T, Kind K, int kStride>
__attribute__((always_inline)) inline void TapRow(const T* __restrict src, T* __restrict out,
                                                  int64_t lo, int64_t hi, int64_t stride) {
  const int64_t sw = kStride ? kStride : stride;
  if constexpr (K == Kind::kMax) {
    for (int64_t i = lo; i < hi; ++i) out[i] = src[i * sw] > out[i] ? src[i * sw] : out[i];
  } else {
    for (int64_t i = lo; i < hi; ++i) out[i] += src[i * sw];
  }
}

template <typename T, Kind K>
SOCD_HOT_LOOP void Plane2D(const T* __restrict x, T* __restrict y, const Plan& p) {
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    T* out = y + oh * p.OW;
    const T init = K == Kind::kMax ? std::numeric_limits<T>::lowest() : T(0);
    for (int64_t i = 0; i < p.OW; ++i) out[i] = init;
    bool any_row = false;
    for (int64_t ki = 0; ki < p.kh; ++ki) {
      const int64_t ih = oh * p.sh - p.pt + ki * p.dh;
      if (ih < 0 || ih >= p.H) continue;
      any_row = true;
      const T* row = x + ih * p.W;
      for (int64_t kj = 0; kj < p.kw; ++kj) {
        const int64_t off = kj * p.dw - p.pl;
        int64_t lo, hi;
        TapRange(off, p.sw, p.W, p.OW, lo, hi);
        const T* src = row + off;
        // Constant strides vectorize; a runtime one stays scalar.
        if (p.sw == 1)
          TapRow<T, K, 1>(src, out, lo, hi, 1);
        else if (p.sw == 2)
          TapRow<T, K, 2>(src, out, lo, hi, 2);
        else
          TapRow<T, K, 0>(src, out, lo, hi, p.sw);
      }
    }
    if constexpr (K == Kind::kMax) {
      // Windows entirely in padding read as 0 (the reference's choice).
      if (!any_row || p.empty_cols) {
        for (int64_t i = 0; i < p.OW; ++i)
          if (!any_row || p.count_w[i] == 0) out[i] = T(0);
      }
    } else {
      const T ch = static_cast<T>(p.inv_h[oh]);
      const float* iw = p.inv_w.data();
      for (int64_t i = 0; i < p.OW; ++i) out[i] = out[i] * (ch * static_cast<T>(iw[i]));
    }
  }
}

// Any rank; I (the Indices output) may be null.
template <typename T, Kind K>
void PlaneND(const T* x, T* y, int64_t* idx, int64_t plane, const Plan& p) {
  const auto& g = p.g;
  const int nd = g.nd;
  int64_t ksize = 1;
  for (int i = 0; i < nd; ++i) ksize *= g.kernel[i];
  std::vector<int64_t> o(nd, 0), k(nd), pos(nd);
  for (int64_t q = 0; q < p.out_size; ++q) {
    double acc = K == Kind::kMax ? 0 : 0.0;
    T best = std::numeric_limits<T>::lowest();
    int64_t best_idx = -1, valid = 0, padded = 0;
    std::fill(k.begin(), k.end(), 0);
    for (int64_t t = 0; t < ksize; ++t) {
      bool inside = true, in_pad = true;
      int64_t flat = 0;
      for (int i = 0; i < nd; ++i) {
        pos[i] = o[i] * g.strides[i] - g.pad_begin[i] + k[i] * g.dilations[i];
        if (pos[i] < 0 || pos[i] >= g.in[i]) inside = false;
        if (pos[i] >= g.in[i] + g.pad_end[i]) in_pad = false;
        flat = flat * g.in[i] + pos[i];
      }
      if (in_pad) ++padded;
      if (inside) {
        ++valid;
        T v = x[flat];
        if constexpr (K == Kind::kMax) {
          if (best_idx < 0 || v > best) best = v, best_idx = flat;
        } else if constexpr (K == Kind::kAvg) {
          acc += static_cast<double>(v);
        } else {
          acc += std::pow(std::fabs(static_cast<double>(v)), static_cast<double>(p.p));
        }
      }
      for (int i = nd - 1; i >= 0; --i) {
        if (++k[i] < g.kernel[i]) break;
        k[i] = 0;
      }
    }
    if constexpr (K == Kind::kMax) {
      y[q] = best_idx < 0 ? T(0) : best;
      if (idx) {
        int64_t out_idx = 0;
        if (best_idx >= 0 && p.storage_order == 1) {
          // Column-major position: unflatten the row-major one first.
          int64_t rem = best_idx, mul = 1;
          std::vector<int64_t> c(nd);
          for (int i = nd - 1; i >= 0; --i) c[i] = rem % g.in[i], rem /= g.in[i];
          for (int i = 0; i < nd; ++i) out_idx += c[i] * mul, mul *= g.in[i];
        } else {
          out_idx = std::max<int64_t>(best_idx, 0);
        }
        idx[q] = plane * p.in_size + out_idx;
      }
    } else if constexpr (K == Kind::kAvg) {
      int64_t n = p.include_pad ? padded : valid;
      y[q] = n > 0 ? static_cast<T>(acc / n) : T(0);
    } else {
      y[q] = static_cast<T>(std::pow(acc, 1.0 / p.p));
    }
    for (int i = nd - 1; i >= 0; --i) {
      if (++o[i] < g.out[i]) break;
      o[i] = 0;
    }
  }
}

template <typename T, Kind K>
absl::StatusOr<std::unique_ptr<Kernel>> MakePool(const KernelInfo& info, Plan plan) {
  const bool want_idx = info.out_dtypes.size() > 1 && info.node.outputs.size() > 1 &&
                        info.node.outputs[1] != graph::kNoValue;
  plan.fast = !want_idx && K != Kind::kLp && plan.g.nd <= 2;
  if (plan.fast) {
    const auto& g = plan.g;
    const bool two = g.nd == 2;
    plan.H = two ? g.in[0] : 1, plan.W = g.in[g.nd - 1];
    plan.OH = two ? g.out[0] : 1, plan.OW = g.out[g.nd - 1];
    plan.kh = two ? g.kernel[0] : 1, plan.kw = g.kernel[g.nd - 1];
    plan.sh = two ? g.strides[0] : 1, plan.sw = g.strides[g.nd - 1];
    plan.dh = two ? g.dilations[0] : 1, plan.dw = g.dilations[g.nd - 1];
    plan.pt = two ? g.pad_begin[0] : 0, plan.pl = g.pad_begin[g.nd - 1];
    const int64_t pb = two ? g.pad_end[0] : 0, pr = g.pad_end[g.nd - 1];
    for (int64_t oh = 0; oh < plan.OH; ++oh)
      plan.count_h.push_back(
          CountTaps(oh, plan.kh, plan.sh, plan.dh, plan.pt, pb, plan.H, plan.include_pad));
    for (int64_t ow = 0; ow < plan.OW; ++ow)
      plan.count_w.push_back(
          CountTaps(ow, plan.kw, plan.sw, plan.dw, plan.pl, pr, plan.W, plan.include_pad));
    for (float c : plan.count_h) plan.inv_h.push_back(c > 0 ? 1.0f / c : 0.0f);
    for (float c : plan.count_w) {
      plan.inv_w.push_back(c > 0 ? 1.0f / c : 0.0f);
      // Max pooling asks for the taps actually inside the input.
      if (c == 0) plan.empty_cols = true;
    }
  }
  return MakeFnKernel([plan = std::move(plan), want_idx](const KernelIo& io) {
    const T* x = io.inputs[0].as<T>();
    T* y = io.outputs[0].as<T>();
    int64_t* idx = want_idx ? io.outputs[1].as<int64_t>() : nullptr;
    io.pool->ParallelFor(plan.planes, 4, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        const T* xp = x + c * plan.in_size;
        T* yp = y + c * plan.out_size;
        if (plan.fast)
          Plane2D<T, K>(xp, yp, plan);
        else
          PlaneND<T, K>(xp, yp, idx ? idx + c * plan.out_size : nullptr, c, plan);
      }
    });
    return absl::OkStatus();
  });
}

template <Kind K>
absl::StatusOr<std::unique_ptr<Kernel>> CreatePool(const KernelInfo& info) {
  const Shape& x = info.in_shapes[0];
  if (x.size() < 3) return info.Error("X must have rank >= 3");
  std::vector<int64_t> kernel = info.node.GetInts("kernel_shape");
  if (kernel.empty()) return info.Error("kernel_shape is required");
  const int opset = info.node.opset;
  bool ceil = info.node.GetInt("ceil_mode", 0) != 0 && (K == Kind::kLp ? opset >= 18 : opset >= 10);
  auto g = graph::ComputeWindow(info.node, {x.begin() + 2, x.end()}, kernel, ceil);
  if (!g.ok()) return g.status();
  Plan plan;
  plan.g = *g;
  plan.planes = x[0] * x[1];
  for (int i = 0; i < plan.g.nd; ++i) plan.in_size *= plan.g.in[i], plan.out_size *= plan.g.out[i];
  plan.include_pad = info.node.GetInt("count_include_pad", 0) != 0;
  plan.storage_order = static_cast<int>(info.node.GetInt("storage_order", 0));
  if (K == Kind::kLp) {
    // LpPool-1 had a float p; later versions an int.
    auto it = info.node.attrs.find("p");
    plan.p = it == info.node.attrs.end()                         ? 2.0f
             : it->second.kind == graph::Attribute::Kind::kFloat ? it->second.f
                                                                 : static_cast<float>(it->second.i);
  }
  DType dt = info.in_dtypes[0];
  if (dt == DType::kFloat32) return MakePool<float, K>(info, std::move(plan));
  if (dt == DType::kFloat64) return MakePool<double, K>(info, std::move(plan));
  if (K == Kind::kMax && dt == DType::kInt8) return MakePool<int8_t, K>(info, std::move(plan));
  if (K == Kind::kMax && dt == DType::kUInt8) return MakePool<uint8_t, K>(info, std::move(plan));
  return info.Unsupported(absl::StrCat("element type ", graph::DTypeName(dt)));
}

template <typename T, Kind K>
absl::StatusOr<std::unique_ptr<Kernel>> MakeGlobal(const KernelInfo& info) {
  const Shape& x = info.in_shapes[0];
  const int64_t planes = x.size() >= 2 ? x[0] * x[1] : 0;
  int64_t size = 1;
  for (size_t i = 2; i < x.size(); ++i) size *= x[i];
  const double p = info.node.GetInt("p", 2);
  return MakeFnKernel([planes, size, p](const KernelIo& io) {
    const T* x = io.inputs[0].as<T>();
    T* y = io.outputs[0].as<T>();
    io.pool->ParallelFor(planes, 16, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        const T* xp = x + c * size;
        if constexpr (K == Kind::kMax) {
          T m = size > 0 ? xp[0] : T(0);
          for (int64_t i = 1; i < size; ++i) m = std::max(m, xp[i]);
          y[c] = m;
        } else if constexpr (K == Kind::kAvg) {
          T s = 0;
          for (int64_t i = 0; i < size; ++i) s += xp[i];
          y[c] = size > 0 ? s / static_cast<T>(size) : T(0);
        } else {
          double s = 0;
          for (int64_t i = 0; i < size; ++i) s += std::pow(std::fabs(double(xp[i])), p);
          y[c] = static_cast<T>(std::pow(s, 1.0 / p));
        }
      }
    });
    return absl::OkStatus();
  });
}

template <Kind K>
absl::StatusOr<std::unique_ptr<Kernel>> CreateGlobal(const KernelInfo& info) {
  DType dt = info.in_dtypes[0];
  if (dt == DType::kFloat32) return MakeGlobal<float, K>(info);
  if (dt == DType::kFloat64) return MakeGlobal<double, K>(info);
  return info.Unsupported(absl::StrCat("element type ", graph::DTypeName(dt)));
}

void RegisterPoolKernels(KernelRegistry& r) {
  r.Add({"", "MaxPool", 1, 1000, CreatePool<Kind::kMax>});
  r.Add({"", "AveragePool", 1, 1000, CreatePool<Kind::kAvg>});
  r.Add({"", "LpPool", 1, 1000, CreatePool<Kind::kLp>});
  r.Add({"", "GlobalMaxPool", 1, 1000, CreateGlobal<Kind::kMax>});
  r.Add({"", "GlobalAveragePool", 1, 1000, CreateGlobal<Kind::kAvg>});
  r.Add({"", "GlobalLpPool", 2, 1000, CreateGlobal<Kind::kLp>});
}

}  // namespace socd::cpu::pool_impl
