// BatchNormalization (inference, and training-mode statistics), InstanceNormalization,
// LayerNormalization, GroupNormalization and LRN for float32/float64.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/gemm_epilogue.h"
#include "backends/cpu/simd.h"

namespace socd::cpu::norm_impl {

// y = x * a + b over n elements.
template <typename T>
SOCD_HOT_LOOP void ScaleShift(const T* __restrict x, T* __restrict y, int64_t n, T a, T b) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * a + b;
}

// Mean and biased variance of n elements, accumulated in double for stability.
template <typename T>
void Moments(const T* x, int64_t n, double& mean, double& var) {
  double s = 0, s2 = 0;
  for (int64_t i = 0; i < n; ++i) s += x[i];
  mean = n > 0 ? s / n : 0;
  for (int64_t i = 0; i < n; ++i) {
    double d = x[i] - mean;
    s2 += d * d;
  }
  var = n > 0 ? s2 / n : 0;
}

template <typename T>
absl::StatusOr<std::unique_ptr<Kernel>> MakeBatchNorm(const KernelInfo& info, bool training) {
  const Shape& xs = info.in_shapes[0];
  const int64_t n = xs[0], c = xs[1];
  int64_t inner = 1;
  for (size_t i = 2; i < xs.size(); ++i) inner *= xs[i];
  // Legacy spatial=0 parameters cover C*inner elements: one "channel" per element.
  const int64_t plen = graph::NumElements(info.in_shapes[1]);
  const bool per_elem = plen != c;
  const int64_t chans = per_elem ? c * inner : c, plane = per_elem ? 1 : inner;
  const double eps = info.node.GetFloat("epsilon", 1e-5f);
  const double momentum = info.node.GetFloat("momentum", 0.9f);
  if (per_elem && training) return info.Unsupported("training mode with spatial=0");
  auto fused = epilogue::ReadActivation(info);
  if (!fused.ok()) return fused.status();
  const epilogue::Activation act = *fused;
  if (act.kind != epilogue::Activation::kNone && !std::is_same_v<T, float>)
    return info.Unsupported("fused activations need float32");
  return MakeFnKernel([=](const KernelIo& io) {
    const T* x = io.inputs[0].as<T>();
    const T* sc = io.inputs[1].as<T>();
    const T* bi = io.inputs[2].as<T>();
    const T* mean = io.inputs[3].as<T>();
    const T* var = io.inputs[4].as<T>();
    T* y = io.outputs[0].as<T>();
    std::vector<double> bm(chans), bv(chans);
    if (training) {
      for (int64_t ch = 0; ch < chans; ++ch) {
        double s = 0, s2 = 0;
        for (int64_t i = 0; i < n; ++i) {
          const T* p = x + (i * c + ch) * inner;
          for (int64_t j = 0; j < inner; ++j) s += p[j];
        }
        const double cnt = static_cast<double>(n * inner);
        bm[ch] = cnt > 0 ? s / cnt : 0;
        for (int64_t i = 0; i < n; ++i) {
          const T* p = x + (i * c + ch) * inner;
          for (int64_t j = 0; j < inner; ++j) s2 += (p[j] - bm[ch]) * (p[j] - bm[ch]);
        }
        bv[ch] = cnt > 0 ? s2 / cnt : 0;
      }
      for (size_t o = 1; o < io.outputs.size() && o < 3; ++o) {
        if (!io.outputs[o].data) continue;
        T* out = io.outputs[o].as<T>();
        const T* run = o == 1 ? mean : var;
        for (int64_t ch = 0; ch < chans; ++ch)
          out[ch] =
              static_cast<T>(run[ch] * momentum + (o == 1 ? bm[ch] : bv[ch]) * (1 - momentum));
      }
    } else {
      for (int64_t ch = 0; ch < chans; ++ch) bm[ch] = mean[ch], bv[ch] = var[ch];
    }
    io.pool->ParallelFor(n * chans, 8, [&](int64_t b, int64_t e) {
      for (int64_t q = b; q < e; ++q) {
        const int64_t ch = q % chans;
        const double a = sc[ch] / std::sqrt(bv[ch] + eps);
        ScaleShift<T>(x + q * plane, y + q * plane, plane, static_cast<T>(a),
                      static_cast<T>(bi[ch] - bm[ch] * a));
        if constexpr (std::is_same_v<T, float>) {
          if (act.kind != epilogue::Activation::kNone)
            epilogue::Apply(y + q * plane, plane, 0.0f, nullptr, act);
        }
      }
    });
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateBatchNorm(const KernelInfo& info) {
  if (info.in_shapes.size() < 5 || info.in_shapes[0].size() < 2) {
    return info.Error("expects X (rank >= 2), scale, B, mean and var");
  }
  const int opset = info.node.opset;
  bool training = opset >= 14 && info.node.GetInt("training_mode", 0) != 0;
  size_t outs = 0;
  for (size_t o = 0; o < info.node.outputs.size(); ++o)
    if (info.node.outputs[o] != graph::kNoValue) outs = o + 1;
  if (!training && outs > 1) {
    return info.Unsupported("mean/variance outputs outside training mode (training graphs)");
  }
  for (size_t i = 1; i < 5; ++i) {
    if (info.in_dtypes[i] != info.in_dtypes[0])
      return info.Unsupported("parameters of a different element type than X");
  }
  DType dt = info.in_dtypes[0];
  if (dt == DType::kFloat32) return MakeBatchNorm<float>(info, training);
  if (dt == DType::kFloat64) return MakeBatchNorm<double>(info, training);
  return info.Unsupported(absl::StrCat("element type ", graph::DTypeName(dt)));
}

// Normalizes `rows` rows of `len` elements: y = (x - mean) * inv_std * scale[j] + bias[j],
// where the parameter index j = param_of(row, col). Used by Instance/Group/LayerNorm.
template <typename T>
SOCD_HOT_LOOP void NormalizeRow(const T* __restrict x, T* __restrict y, int64_t len, T mean, T inv,
                                const T* __restrict scale, const T* __restrict bias) {
  if (bias) {
    for (int64_t j = 0; j < len; ++j) y[j] = (x[j] - mean) * inv * scale[j] + bias[j];
  } else {
    for (int64_t j = 0; j < len; ++j) y[j] = (x[j] - mean) * inv * scale[j];
  }
}

template <typename T>
SOCD_HOT_LOOP void RowMoments(const T* __restrict x, int64_t len, T& mean, T& var) {
  T s = 0;
  for (int64_t j = 0; j < len; ++j) s += x[j];
  const T m = len > 0 ? s / static_cast<T>(len) : T(0);
  T s2 = 0;
  for (int64_t j = 0; j < len; ++j) s2 += (x[j] - m) * (x[j] - m);
  mean = m;
  var = len > 0 ? s2 / static_cast<T>(len) : T(0);
}

// Broadcasts src (shape `from`) to shape `to` into buf; returns buf's data.
template <typename T>
const T* ExpandTo(const T* src, const Shape& from, const Shape& to, std::vector<T>& buf) {
  const int64_t n = graph::NumElements(to);
  buf.resize(n);
  const size_t r = to.size(), off = r - from.size();
  std::vector<int64_t> idx(r, 0);
  for (int64_t q = 0; q < n; ++q) {
    int64_t s = 0;
    for (size_t i = off; i < r; ++i) s = s * from[i - off] + (from[i - off] == 1 ? 0 : idx[i]);
    buf[q] = src[s];
    for (int i = static_cast<int>(r) - 1; i >= 0; --i) {
      if (++idx[i] < to[i]) break;
      idx[i] = 0;
    }
  }
  return buf.data();
}

template <typename T>
absl::StatusOr<std::unique_ptr<Kernel>> MakeLayerNorm(const KernelInfo& info, int64_t axis) {
  const Shape& xs = info.in_shapes[0];
  int64_t rows = 1, len = 1;
  for (int64_t i = 0; i < static_cast<int64_t>(xs.size()); ++i) (i < axis ? rows : len) *= xs[i];
  // Scale/bias that broadcast (rare) are expanded to a full row so the loop stays simple.
  const Shape norm(xs.begin() + axis, xs.end());
  const Shape sshape = info.in_shapes[1];
  const bool has_b = info.has_input(2);
  const Shape bshape = has_b ? info.in_shapes[2] : norm;
  const float eps = info.node.GetFloat("epsilon", 1e-5f);
  return MakeFnKernel([=](const KernelIo& io) {
    const T* x = io.inputs[0].as<T>();
    const T* sc = io.inputs[1].as<T>();
    const T* bi = has_b ? io.inputs[2].as<T>() : nullptr;
    std::vector<T> sfull, bfull;
    if (sshape != norm) sc = ExpandTo(sc, sshape, norm, sfull);
    if (bi && bshape != norm) bi = ExpandTo(bi, bshape, norm, bfull);
    T* y = io.outputs[0].as<T>();
    float* mo = io.outputs.size() > 1 && io.outputs[1].data ? io.outputs[1].as<float>() : nullptr;
    float* io_ = io.outputs.size() > 2 && io.outputs[2].data ? io.outputs[2].as<float>() : nullptr;
    io.pool->ParallelFor(rows, 8, [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        T mean, var;
        RowMoments<T>(x + r * len, len, mean, var);
        const T inv = static_cast<T>(1.0 / std::sqrt(static_cast<double>(var) + eps));
        NormalizeRow<T>(x + r * len, y + r * len, len, mean, inv, sc, bi);
        if (mo) mo[r] = static_cast<float>(mean);
        if (io_) io_[r] = static_cast<float>(inv);
      }
    });
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateLayerNorm(const KernelInfo& info) {
  const Shape& xs = info.in_shapes[0];
  const int64_t rank = static_cast<int64_t>(xs.size());
  int64_t axis = info.node.GetInt("axis", -1);
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1)) return info.Error("axis out of range");
  if (axis < 0) axis += rank;
  for (size_t o = 1; o < info.out_dtypes.size(); ++o) {
    if (info.node.outputs[o] != graph::kNoValue && info.out_dtypes[o] != DType::kFloat32)
      return info.Unsupported("Mean/InvStdDev outputs other than float32");
  }
  DType dt = info.in_dtypes[0];
  if (dt == DType::kFloat32) return MakeLayerNorm<float>(info, axis);
  if (dt == DType::kFloat64) return MakeLayerNorm<double>(info, axis);
  return info.Unsupported(absl::StrCat("element type ", graph::DTypeName(dt)));
}

// InstanceNorm (groups == C) and GroupNorm: statistics over each (image, group), then a
// per-channel affine (per-group before GroupNormalization-21).
template <typename T>
absl::StatusOr<std::unique_ptr<Kernel>> MakeGroupNorm(const KernelInfo& info, int64_t groups,
                                                      bool per_group_params) {
  const Shape& xs = info.in_shapes[0];
  const int64_t n = xs[0], c = xs[1];
  int64_t inner = 1;
  for (size_t i = 2; i < xs.size(); ++i) inner *= xs[i];
  const int64_t cpg = c / groups;
  const float eps = info.node.GetFloat("epsilon", 1e-5f);
  return MakeFnKernel([=](const KernelIo& io) {
    const T* x = io.inputs[0].as<T>();
    const T* sc = io.inputs[1].as<T>();
    const T* bi = io.inputs[2].as<T>();
    T* y = io.outputs[0].as<T>();
    io.pool->ParallelFor(n * groups, 1, [&](int64_t b, int64_t e) {
      for (int64_t q = b; q < e; ++q) {
        const int64_t g = q % groups;
        const T* xq = x + q * cpg * inner;
        T* yq = y + q * cpg * inner;
        double mean, var;
        Moments(xq, cpg * inner, mean, var);
        const double inv = 1.0 / std::sqrt(var + eps);
        for (int64_t ch = 0; ch < cpg; ++ch) {
          const int64_t pi = per_group_params ? g : g * cpg + ch;
          const double a = sc[pi] * inv;
          ScaleShift<T>(xq + ch * inner, yq + ch * inner, inner, static_cast<T>(a),
                        static_cast<T>(bi[pi] - mean * a));
        }
      }
    });
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateInstanceNorm(const KernelInfo& info) {
  if (info.in_shapes[0].size() < 3) return info.Error("X must have rank >= 3");
  const int64_t c = info.in_shapes[0][1];
  DType dt = info.in_dtypes[0];
  if (dt == DType::kFloat32) return MakeGroupNorm<float>(info, std::max<int64_t>(c, 1), false);
  if (dt == DType::kFloat64) return MakeGroupNorm<double>(info, std::max<int64_t>(c, 1), false);
  return info.Unsupported(absl::StrCat("element type ", graph::DTypeName(dt)));
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateGroupNorm(const KernelInfo& info) {
  if (info.in_shapes[0].size() < 2) return info.Error("X must have rank >= 2");
  const int64_t c = info.in_shapes[0][1];
  const int64_t groups = info.node.GetInt("num_groups", 0);
  if (groups < 1 || c % groups != 0) return info.Error("num_groups must divide the channels");
  if (info.node.GetInt("stash_type", 1) != 1) return info.Unsupported("stash_type other than 1");
  const bool per_group = info.node.opset < 21;
  DType dt = info.in_dtypes[0];
  if (dt == DType::kFloat32) return MakeGroupNorm<float>(info, groups, per_group);
  if (dt == DType::kFloat64) return MakeGroupNorm<double>(info, groups, per_group);
  return info.Unsupported(absl::StrCat("element type ", graph::DTypeName(dt)));
}

template <typename T>
absl::StatusOr<std::unique_ptr<Kernel>> MakeLrn(const KernelInfo& info) {
  const Shape& xs = info.in_shapes[0];
  const int64_t n = xs[0], c = xs[1];
  int64_t inner = 1;
  for (size_t i = 2; i < xs.size(); ++i) inner *= xs[i];
  const int64_t size = info.node.GetInt("size", 1);
  const double alpha = info.node.GetFloat("alpha", 1e-4f), beta = info.node.GetFloat("beta", 0.75f);
  const double bias = info.node.GetFloat("bias", 1.0f);
  const int64_t lo = (size - 1) / 2, hi = size - 1 - lo;  // channels before / after
  return MakeFnKernel([=](const KernelIo& io) {
    const T* x = io.inputs[0].as<T>();
    T* y = io.outputs[0].as<T>();
    io.pool->ParallelFor(n * c, 4, [&](int64_t b, int64_t e) {
      std::vector<double> sq(inner);
      for (int64_t q = b; q < e; ++q) {
        const int64_t img = q / c, ch = q % c;
        std::fill(sq.begin(), sq.end(), 0.0);
        for (int64_t k = std::max<int64_t>(0, ch - lo); k <= std::min(c - 1, ch + hi); ++k) {
          const T* p = x + (img * c + k) * inner;
          for (int64_t j = 0; j < inner; ++j) sq[j] += static_cast<double>(p[j]) * p[j];
        }
        const T* xp = x + q * inner;
        T* yp = y + q * inner;
        for (int64_t j = 0; j < inner; ++j)
          yp[j] = static_cast<T>(xp[j] / std::pow(bias + alpha / size * sq[j], beta));
      }
    });
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateLrn(const KernelInfo& info) {
  if (info.in_shapes[0].size() < 2) return info.Error("X must have rank >= 2");
  if (info.node.GetInt("size", 0) < 1) return info.Error("size must be >= 1");
  DType dt = info.in_dtypes[0];
  if (dt == DType::kFloat32) return MakeLrn<float>(info);
  if (dt == DType::kFloat64) return MakeLrn<double>(info);
  return info.Unsupported(absl::StrCat("element type ", graph::DTypeName(dt)));
}

void RegisterNormKernels(KernelRegistry& r) {
  r.Add({"", "BatchNormalization", 1, 1000, CreateBatchNorm});
  r.Add({"", "InstanceNormalization", 1, 1000, CreateInstanceNorm});
  r.Add({"", "LayerNormalization", 17, 1000, CreateLayerNorm});
  r.Add({"", "GroupNormalization", 18, 1000, CreateGroupNorm});
  r.Add({"", "LRN", 1, 1000, CreateLrn});
}

}  // namespace socd::cpu::norm_impl
