// CPU kernels for Softmax, LogSoftmax and Hardmax. Softmax over the last axis is on the
// transformer hot path (attention scores), so float32 rows run max / exp-and-sum / scale as
// eight-lane loops, rows split across the pool. Opset < 13 flattens the input to 2-D at
// `axis`, so the reduced run is always contiguous; opset >= 13 may reduce a middle axis, which
// runs as columns vectorized over the trailing dims.
#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/reduce_kernels.h"
#include "backends/cpu/kernels/reduce_vec.h"
#include "backends/cpu/simd.h"

namespace socd::cpu {
namespace softmax_impl {

using reduce_vec::V8;
enum class Kind { kSoftmax, kLogSoftmax, kHardmax };

// Softmax (or LogSoftmax) of `rows` contiguous rows of length n.
SOCD_HOT_LOOP void SoftmaxRowsF32(const float* x, float* y, int64_t rows, int64_t n, bool log) {
  for (int64_t row = 0; row < rows; ++row, x += n, y += n) {
    float m = -INFINITY;
    int64_t i = 0;
    if (n >= 8) {
      V8 a = reduce_vec::At(x).v;
      for (i = 8; i + 8 <= n; i += 8) reduce_vec::MaxIntoFrom(a, x + i);
      m = reduce_vec::HMax(a);
    }
    for (; i < n; ++i) m = x[i] > m ? x[i] : m;
    V8 acc{};
    for (i = 0; i + 8 <= n; i += 8) {
      V8 e = reduce_vec::At(x + i).v - m;
      reduce_vec::ExpInPlace(e);
      if (!log) reduce_vec::At(y + i).v = e;
      acc += e;
    }
    float s = reduce_vec::HSum(acc);
    for (; i < n; ++i) {
      float e = reduce_vec::Exp1(x[i] - m);
      if (!log) y[i] = e;
      s += e;
    }
    if (log) {
      // (x - m) is exact near the maximum, where a folded x - (m + log s) would cancel.
      const float ls = std::log(s);
      for (i = 0; i + 8 <= n; i += 8) reduce_vec::At(y + i).v = (reduce_vec::At(x + i).v - m) - ls;
      for (; i < n; ++i) y[i] = (x[i] - m) - ls;
    } else {
      const float inv = 1.f / s;
      for (i = 0; i + 8 <= n; i += 8) reduce_vec::At(y + i).v = reduce_vec::At(y + i).v * inv;
      for (; i < n; ++i) y[i] *= inv;
    }
  }
}

// One [A, I] block reduced along A; m and s are scratch of length I.
SOCD_HOT_LOOP void SoftmaxColsF32(const float* x, float* y, int64_t A, int64_t I, bool log,
                                  float* m, float* s) {
  std::copy(x, x + I, m);
  for (int64_t a = 1; a < A; ++a) {
    const float* xa = x + a * I;
    int64_t i = 0;
    for (; i + 8 <= I; i += 8) {
      V8 mv = reduce_vec::At(m + i).v;
      reduce_vec::MaxIntoFrom(mv, xa + i);
      reduce_vec::At(m + i).v = mv;
    }
    for (; i < I; ++i) m[i] = xa[i] > m[i] ? xa[i] : m[i];
  }
  std::fill(s, s + I, 0.f);
  for (int64_t a = 0; a < A; ++a) {
    const float* xa = x + a * I;
    float* ya = y + a * I;
    int64_t i = 0;
    for (; i + 8 <= I; i += 8) {
      V8 e = reduce_vec::At(xa + i).v - reduce_vec::At(m + i).v;
      reduce_vec::ExpInPlace(e);
      if (!log) reduce_vec::At(ya + i).v = e;
      reduce_vec::At(s + i).v = reduce_vec::At(s + i).v + e;
    }
    for (; i < I; ++i) {
      float e = reduce_vec::Exp1(xa[i] - m[i]);
      if (!log) ya[i] = e;
      s[i] += e;
    }
  }
  for (int64_t i = 0; i < I; ++i) s[i] = log ? std::log(s[i]) : 1.f / s[i];
  for (int64_t a = 0; a < A; ++a) {
    const float* xa = x + a * I;
    float* ya = y + a * I;
    int64_t i = 0;
    for (; i + 8 <= I; i += 8) {
      reduce_vec::At(ya + i).v =
          log ? (reduce_vec::At(xa + i).v - reduce_vec::At(m + i).v) - reduce_vec::At(s + i).v
              : reduce_vec::At(ya + i).v * reduce_vec::At(s + i).v;
    }
    for (; i < I; ++i) ya[i] = log ? (xa[i] - m[i]) - s[i] : ya[i] * s[i];
  }
}

// Any float type, any layout: one [A, I] block. Hardmax marks the first maximum.
template <typename T>
void BlockGeneric(const T* x, T* y, int64_t A, int64_t I, Kind kind) {
  for (int64_t i = 0; i < I; ++i) {
    T m = x[i];
    int64_t arg = 0;
    for (int64_t a = 1; a < A; ++a) {
      if (x[a * I + i] > m) {
        m = x[a * I + i];
        arg = a;
      }
    }
    if (kind == Kind::kHardmax) {
      for (int64_t a = 0; a < A; ++a) y[a * I + i] = a == arg ? T(1) : T(0);
      continue;
    }
    T s = 0;
    for (int64_t a = 0; a < A; ++a) s += std::exp(x[a * I + i] - m);
    if (kind == Kind::kLogSoftmax) {
      T ls = std::log(s);
      for (int64_t a = 0; a < A; ++a) y[a * I + i] = (x[a * I + i] - m) - ls;
    } else {
      for (int64_t a = 0; a < A; ++a) y[a * I + i] = std::exp(x[a * I + i] - m) / s;
    }
  }
}

absl::StatusOr<std::unique_ptr<Kernel>> Create(const KernelInfo& info, Kind kind) {
  const DType dt = info.in_dtypes[0];
  if (dt != DType::kFloat32 && dt != DType::kFloat64) {
    return info.Unsupported(absl::StrCat("element type ", graph::DTypeName(dt)));
  }
  const Shape& shape = info.in_shapes[0];
  const int64_t rank = static_cast<int64_t>(shape.size());
  const bool old = info.node.opset < 13;
  int64_t axis = info.node.GetInt("axis", old ? 1 : -1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank || (!old && axis >= std::max<int64_t>(rank, 1))) {
    return info.Error(absl::StrCat("axis ", info.node.GetInt("axis", 0), " is out of range"));
  }
  // Blocks of [A, I]; opset < 13 reduces over everything from `axis` on (I = 1).
  int64_t outer = 1, A = 1, I = 1;
  for (int64_t d = 0; d < rank; ++d) {
    if (d < axis)
      outer *= shape[d];
    else if (d == axis || old)
      A *= shape[d];
    else
      I *= shape[d];
  }
  if (rank == 0) A = 1;
  return MakeFnKernel([=](const KernelIo& io) -> absl::Status {
    if (outer * A * I == 0) return absl::OkStatus();
    const int64_t block = A * I;
    if (dt == DType::kFloat32 && kind != Kind::kHardmax) {
      const float* x = io.inputs[0].as<float>();
      float* y = io.outputs[0].as<float>();
      const bool log = kind == Kind::kLogSoftmax;
      if (I == 1) {
        io.pool->ParallelFor(outer, std::max<int64_t>(1, 16384 / A), [&](int64_t b, int64_t e) {
          SoftmaxRowsF32(x + b * A, y + b * A, e - b, A, log);
        });
      } else {
        io.pool->ParallelFor(outer, std::max<int64_t>(1, 16384 / block), [&](int64_t b, int64_t e) {
          std::vector<float> scratch(2 * I);
          for (int64_t o = b; o < e; ++o) {
            SoftmaxColsF32(x + o * block, y + o * block, A, I, log, scratch.data(),
                           scratch.data() + I);
          }
        });
      }
      return absl::OkStatus();
    }
    io.pool->ParallelFor(outer, std::max<int64_t>(1, 16384 / block), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        if (dt == DType::kFloat32) {
          BlockGeneric(io.inputs[0].as<float>() + o * block, io.outputs[0].as<float>() + o * block,
                       A, I, kind);
        } else {
          BlockGeneric(io.inputs[0].as<double>() + o * block,
                       io.outputs[0].as<double>() + o * block, A, I, kind);
        }
      }
    });
    return absl::OkStatus();
  });
}

}  // namespace softmax_impl

void RegisterSoftmaxKernels(KernelRegistry& r) {
  using softmax_impl::Kind;
  r.Add({"", "Softmax", 1, 1000,
         [](const KernelInfo& i) { return softmax_impl::Create(i, Kind::kSoftmax); }});
  r.Add({"", "LogSoftmax", 1, 1000,
         [](const KernelInfo& i) { return softmax_impl::Create(i, Kind::kLogSoftmax); }});
  r.Add({"", "Hardmax", 1, 1000,
         [](const KernelInfo& i) { return softmax_impl::Create(i, Kind::kHardmax); }});
}

}  // namespace socd::cpu
