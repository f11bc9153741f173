// CPU kernels for ArgMax/ArgMin, CumSum and TopK: per-axis scans over an input viewed as
// [outer, A, inner] with the scanned axis A in the middle.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/reduce_kernels.h"
#include "graph/tensor.h"

namespace socd::cpu {
namespace argred_impl {

struct Dims3 {
  int64_t outer = 1, a = 1, inner = 1;
};

Dims3 Split(const Shape& s, int64_t axis) {
  Dims3 d;
  for (int64_t i = 0; i < static_cast<int64_t>(s.size()); ++i) {
    (i < axis ? d.outer : i == axis ? d.a : d.inner) *= s[i];
  }
  return d;
}

absl::StatusOr<int64_t> Axis(const KernelInfo& info, int64_t axis, size_t rank) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r) {
    return info.Error(absl::StrCat("axis ", axis, " is out of range for rank ", r));
  }
  return axis < 0 ? axis + r : axis;
}

// Calls fn(T{}) with the C++ type of a numeric dtype; Unsupported for the rest.
template <typename Fn>
absl::StatusOr<std::unique_ptr<Kernel>> ForNumeric(const KernelInfo& info, DType dt, Fn&& fn) {
  switch (dt) {
    case DType::kFloat32:
      return fn(float{});
    case DType::kFloat64:
      return fn(double{});
    case DType::kInt8:
      return fn(int8_t{});
    case DType::kUInt8:
      return fn(uint8_t{});
    case DType::kInt16:
      return fn(int16_t{});
    case DType::kUInt16:
      return fn(uint16_t{});
    case DType::kInt32:
      return fn(int32_t{});
    case DType::kUInt32:
      return fn(uint32_t{});
    case DType::kInt64:
      return fn(int64_t{});
    case DType::kUInt64:
      return fn(uint64_t{});
    default:
      return info.Unsupported(absl::StrCat("element type ", graph::DTypeName(dt)));
  }
}

// A total order for sorting that puts NaN above every number, so comparisons stay valid.
template <typename T>
bool Less(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return false;
    if (std::isnan(b)) return true;
  }
  return a < b;
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateArg(const KernelInfo& info, bool is_max) {
  auto axis = Axis(info, info.node.GetInt("axis", 0), info.in_shapes[0].size());
  if (!axis.ok()) return axis.status();
  const Dims3 d = Split(info.in_shapes[0], *axis);
  if (d.a == 0 && d.outer * d.inner > 0) return info.Error("cannot reduce an empty axis");
  const bool last = info.node.GetInt("select_last_index", 0) != 0;
  return ForNumeric(
      info, info.in_dtypes[0], [&](auto tag) -> absl::StatusOr<std::unique_ptr<Kernel>> {
        using T = decltype(tag);
        return MakeFnKernel([d, last, is_max](const KernelIo& io) -> absl::Status {
          const T* x = io.inputs[0].as<T>();
          int64_t* y = io.outputs[0].as<int64_t>();
          std::vector<T> best(d.inner);
          for (int64_t o = 0; o < d.outer; ++o) {
            const T* xo = x + o * d.a * d.inner;
            int64_t* yo = y + o * d.inner;
            std::copy(xo, xo + d.inner, best.begin());
            std::fill(yo, yo + d.inner, 0);
            for (int64_t a = 1; a < d.a; ++a) {
              const T* xa = xo + a * d.inner;
              for (int64_t i = 0; i < d.inner; ++i) {
                const T v = xa[i], b = best[i];
                bool better = is_max ? (last ? !(v < b) : b < v) : (last ? !(b < v) : v < b);
                if (better) {
                  best[i] = v;
                  yo[i] = a;
                }
              }
            }
          }
          return absl::OkStatus();
        });
      });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateCumSum(const KernelInfo& info) {
  const Shape shape = info.in_shapes[0];
  const bool exclusive = info.node.GetInt("exclusive", 0) != 0;
  const bool reverse = info.node.GetInt("reverse", 0) != 0;
  if (graph::NumElements(info.in_shapes[1]) != 1 || !graph::IsInteger(info.in_dtypes[1])) {
    return info.Error("axis must be an integer scalar");
  }
  const graph::Node* node = &info.node;
  return ForNumeric(
      info, info.in_dtypes[0], [&](auto tag) -> absl::StatusOr<std::unique_ptr<Kernel>> {
        using T = decltype(tag);
        return MakeFnKernel([=](const KernelIo& io) -> absl::Status {
          const int64_t r = static_cast<int64_t>(shape.size());
          int64_t axis = graph::ReadInt(io.inputs[1], 0);
          if (axis < -r || axis >= r) {
            return absl::InvalidArgumentError(
                absl::StrCat(node->Describe(), ": axis ", axis, " is out of range for rank ", r));
          }
          const Dims3 d = Split(shape, axis < 0 ? axis + r : axis);
          const T* x = io.inputs[0].as<T>();
          T* y = io.outputs[0].as<T>();
          std::vector<T> acc(d.inner);
          for (int64_t o = 0; o < d.outer; ++o) {
            std::fill(acc.begin(), acc.end(), T(0));
            for (int64_t step = 0; step < d.a; ++step) {
              const int64_t a = reverse ? d.a - 1 - step : step;
              const int64_t off = (o * d.a + a) * d.inner;
              for (int64_t i = 0; i < d.inner; ++i) {
                if (exclusive) {
                  y[off + i] = acc[i];
                  acc[i] += x[off + i];
                } else {
                  acc[i] += x[off + i];
                  y[off + i] = acc[i];
                }
              }
            }
          }
          return absl::OkStatus();
        });
      });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateTopK(const KernelInfo& info) {
  auto axis = Axis(info, info.node.GetInt("axis", -1), info.in_shapes[0].size());
  if (!axis.ok()) return axis.status();
  const Dims3 d = Split(info.in_shapes[0], *axis);
  const int64_t k = info.out_shapes[0][*axis];
  const bool largest = info.node.GetInt("largest", 1) != 0;
  return ForNumeric(
      info, info.in_dtypes[0], [&](auto tag) -> absl::StatusOr<std::unique_ptr<Kernel>> {
        using T = decltype(tag);
        return MakeFnKernel([d, k, largest](const KernelIo& io) -> absl::Status {
          const T* x = io.inputs[0].as<T>();
          T* vals = io.outputs[0].as<T>();
          int64_t* idx = io.outputs.size() > 1 ? io.outputs[1].as<int64_t>() : nullptr;
          std::vector<int64_t> order(d.a);
          // Ties keep the lower index first, as ONNX specifies.
          auto before = [&](const T* col, int64_t p, int64_t q) {
            T a = col[p * d.inner], b = col[q * d.inner];
            if (largest ? Less(b, a) : Less(a, b)) return true;
            if (largest ? Less(a, b) : Less(b, a)) return false;
            return p < q;
          };
          for (int64_t o = 0; o < d.outer; ++o) {
            for (int64_t i = 0; i < d.inner; ++i) {
              const T* col = x + o * d.a * d.inner + i;
              std::iota(order.begin(), order.end(), 0);
              std::partial_sort(order.begin(), order.begin() + k, order.end(),
                                [&](int64_t p, int64_t q) { return before(col, p, q); });
              for (int64_t j = 0; j < k; ++j) {
                const int64_t out = (o * k + j) * d.inner + i;
                vals[out] = col[order[j] * d.inner];
                if (idx) idx[out] = order[j];
              }
            }
          }
          return absl::OkStatus();
        });
      });
}

}  // namespace argred_impl

void RegisterArgReduceKernels(KernelRegistry& r) {
  r.Add(
      {"", "ArgMax", 1, 1000, [](const KernelInfo& i) { return argred_impl::CreateArg(i, true); }});
  r.Add({"", "ArgMin", 1, 1000,
         [](const KernelInfo& i) { return argred_impl::CreateArg(i, false); }});
  r.Add({"", "CumSum", 11, 1000, argred_impl::CreateCumSum});
  r.Add({"", "TopK", 1, 1000, argred_impl::CreateTopK});
}

}  // namespace socd::cpu
