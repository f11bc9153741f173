// CPU kernels for indexed reads and writes: Gather, GatherElements, GatherND, Scatter /
// ScatterElements, ScatterND. Indices are validated (negative ones count from the end) before
// any element moves; rows of contiguous elements move with memcpy.
#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/tensor_copy.h"
#include "backends/cpu/kernels/tensor_kernels.h"

namespace socd::cpu {
namespace tensor_gather {

// Reads the indices tensor into int64s, normalizing negatives against `dim`.
absl::Status ReadIndices(const KernelInfo& info, const TensorView& t, int64_t dim,
                         std::vector<int64_t>& out) {
  const int64_t n = t.numel();
  out.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    int64_t v = t.dtype == DType::kInt32 ? t.as<const int32_t>()[i] : t.as<const int64_t>()[i];
    if (v < 0) v += dim;
    if (v < 0 || v >= dim) {
      return info.Error(absl::StrCat("index ", v < 0 ? v - dim : v,
                                     " is out of range for an axis of size ", dim));
    }
    out[i] = v;
  }
  return absl::OkStatus();
}

absl::Status CheckIndexType(const KernelInfo& info, size_t i) {
  DType t = i < info.in_dtypes.size() ? info.in_dtypes[i] : DType::kUndefined;
  if (t != DType::kInt32 && t != DType::kInt64) return info.Error("indices must be int32 or int64");
  return absl::OkStatus();
}

absl::StatusOr<size_t> ElemSize(const KernelInfo& info) {
  size_t es = info.in_dtypes.empty() ? 0 : graph::DTypeSize(info.in_dtypes[0]);
  if (!tensor_copy::SupportedElemSize(es)) return info.Unsupported("element type");
  return es;
}

int64_t Prod(const Shape& s, size_t b, size_t e) {
  int64_t p = 1;
  for (size_t k = b; k < e && k < s.size(); ++k) p *= s[k];
  return p;
}

// Output positions [b, e) of [outer, k_count] (one element each), walked without a division
// per element.
template <typename T>
void GatherScalars(T* d, const T* s, int64_t b, int64_t e, int64_t k_count, int64_t n,
                   const int64_t* idx) {
  int64_t o = b / k_count, k0 = b % k_count;
  for (int64_t u = b; u < e; ++o, k0 = 0) {
    const int64_t k1 = std::min(k_count, k0 + (e - u));
    const T* src = s + o * n;
    T* dst = d + o * k_count;
    for (int64_t k = k0; k < k1; ++k) dst[k] = src[idx[k]];
    u += k1 - k0;
  }
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateGather(const KernelInfo& info) {
  auto es = ElemSize(info);
  if (!es.ok()) return es.status();
  if (auto s = CheckIndexType(info, 1); !s.ok()) return s;
  const Shape& d = info.in_shapes[0];
  const int64_t r = static_cast<int64_t>(d.size());
  int64_t axis = info.node.GetInt("axis", 0);
  if (r == 0 || axis < -r || axis >= r) return info.Error("axis is out of range");
  if (axis < 0) axis += r;
  const int64_t outer = Prod(d, 0, axis), n = d[axis], inner = Prod(d, axis + 1, d.size());
  const int64_t kc = graph::NumElements(info.in_shapes[1]);
  const size_t e = *es;
  return MakeFnKernel([info, outer, n, inner, kc, e](const KernelIo& io) -> absl::Status {
    std::vector<int64_t> idx;
    if (auto s = ReadIndices(info, io.inputs[1], n, idx); !s.ok()) return s;
    const int64_t rows = outer * kc, row = inner * static_cast<int64_t>(e);
    if (rows == 0 || row == 0) return absl::OkStatus();
    const uint8_t* s = io.inputs[0].as<const uint8_t>();
    uint8_t* dst = io.outputs[0].as<uint8_t>();
    auto run = [&](int64_t b, int64_t end) {
      if (inner == 1) {
        switch (e) {
          case 1:
            GatherScalars(dst, s, b, end, kc, n, idx.data());
            return;
          case 2:
            GatherScalars(reinterpret_cast<uint16_t*>(dst), reinterpret_cast<const uint16_t*>(s), b,
                          end, kc, n, idx.data());
            return;
          case 4:
            GatherScalars(reinterpret_cast<uint32_t*>(dst), reinterpret_cast<const uint32_t*>(s), b,
                          end, kc, n, idx.data());
            return;
          case 8:
            GatherScalars(reinterpret_cast<uint64_t*>(dst), reinterpret_cast<const uint64_t*>(s), b,
                          end, kc, n, idx.data());
            return;
          default:  // 16: string views
            GatherScalars(reinterpret_cast<graph::StringElem*>(dst),
                          reinterpret_cast<const graph::StringElem*>(s), b, end, kc, n, idx.data());
            return;
        }
      }
      int64_t o = b / kc, k = b % kc;
      for (int64_t u = b; u < end; ++u) {
        tensor_copy::CopyRow(dst + u * row, s + (o * n + idx[k]) * row, static_cast<size_t>(row));
        if (++k == kc) {
          k = 0;
          ++o;
        }
      }
    };
    if (io.pool && io.pool->size() > 1 && rows * row >= (128 << 10) && rows > 1) {
      io.pool->ParallelFor(rows, std::max<int64_t>(1, (32 << 10) / row), run);
    } else {
      run(0, rows);
    }
    return absl::OkStatus();
  });
}

// GatherElements (gather = true) and ScatterElements share the walk over the indices' shape:
// fn(pos_in_indices, offset_in_data) for every element.
template <typename Fn>
absl::Status WalkElements(const KernelInfo& info, const Shape& data, const TensorView& indices,
                          int64_t axis, Fn fn) {
  const Shape& is = indices.shape;
  const int64_t total = indices.numel(), r = static_cast<int64_t>(is.size());
  if (total == 0) return absl::OkStatus();
  std::vector<int64_t> ds = tensor_copy::DenseStrides(data);
  std::vector<int64_t> pos(static_cast<size_t>(r), 0);
  const int64_t dim = data[axis];
  int64_t base = 0;  // data offset of pos with the axis coordinate left out
  for (int64_t i = 0; i < total; ++i) {
    int64_t v = indices.dtype == DType::kInt32 ? indices.as<const int32_t>()[i]
                                               : indices.as<const int64_t>()[i];
    if (v < 0) v += dim;
    if (v < 0 || v >= dim) {
      return info.Error(absl::StrCat("index ", v < 0 ? v - dim : v,
                                     " is out of range for an axis of size ", dim));
    }
    fn(i, base + v * ds[axis]);
    for (int64_t k = r - 1; k >= 0; --k) {
      if (k != axis) base += ds[k];
      if (++pos[k] < is[k]) break;
      if (k != axis) base -= ds[k] * is[k];
      pos[k] = 0;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateGatherElements(const KernelInfo& info) {
  auto es = ElemSize(info);
  if (!es.ok()) return es.status();
  if (auto s = CheckIndexType(info, 1); !s.ok()) return s;
  const Shape& d = info.in_shapes[0];
  const int64_t r = static_cast<int64_t>(d.size());
  int64_t axis = info.node.GetInt("axis", 0);
  if (r == 0 || axis < -r || axis >= r || info.in_shapes[1].size() != d.size()) {
    return info.Error("axis or indices rank is invalid");
  }
  if (axis < 0) axis += r;
  for (size_t k = 0; k < d.size(); ++k) {
    if (static_cast<int64_t>(k) != axis && info.in_shapes[1][k] > d[k]) {
      return info.Error("indices are larger than the data outside the axis");
    }
  }
  const size_t e = *es;
  return MakeFnKernel([info, d, axis, e](const KernelIo& io) {
    const uint8_t* s = io.inputs[0].as<const uint8_t>();
    uint8_t* o = io.outputs[0].as<uint8_t>();
    return WalkElements(info, d, io.inputs[1], axis,
                        [&](int64_t i, int64_t off) { std::memcpy(o + i * e, s + off * e, e); });
  });
}

// ---- Scatter ----
enum class Reduction { kNone, kAdd, kMul, kMax, kMin };

template <typename T>
void ReduceInto(void* dst, const void* src, int64_t n, Reduction red) {
  T* d = static_cast<T*>(dst);
  const T* s = static_cast<const T*>(src);
  for (int64_t i = 0; i < n; ++i) {
    switch (red) {
      case Reduction::kAdd:
        d[i] = static_cast<T>(d[i] + s[i]);
        break;
      case Reduction::kMul:
        d[i] = static_cast<T>(d[i] * s[i]);
        break;
      case Reduction::kMax:
        d[i] = std::max(d[i], s[i]);
        break;
      case Reduction::kMin:
        d[i] = std::min(d[i], s[i]);
        break;
      case Reduction::kNone:
        d[i] = s[i];
        break;
    }
  }
}

using ReduceFn = void (*)(void*, const void*, int64_t, Reduction);

ReduceFn PickReduce(DType t) {
  switch (t) {
    case DType::kFloat32:
      return ReduceInto<float>;
    case DType::kFloat64:
      return ReduceInto<double>;
    case DType::kInt8:
      return ReduceInto<int8_t>;
    case DType::kUInt8:
      return ReduceInto<uint8_t>;
    case DType::kInt16:
      return ReduceInto<int16_t>;
    case DType::kUInt16:
      return ReduceInto<uint16_t>;
    case DType::kInt32:
      return ReduceInto<int32_t>;
    case DType::kUInt32:
      return ReduceInto<uint32_t>;
    case DType::kInt64:
      return ReduceInto<int64_t>;
    case DType::kUInt64:
      return ReduceInto<uint64_t>;
    default:
      return nullptr;
  }
}

struct ScatterSetup {
  size_t es = 0;
  Reduction red = Reduction::kNone;
  ReduceFn reduce = nullptr;
};

absl::StatusOr<ScatterSetup> SetupScatter(const KernelInfo& info) {
  auto es = ElemSize(info);
  if (!es.ok()) return es.status();
  ScatterSetup s{*es};
  std::string r = info.node.GetString("reduction", "none");
  if (r == "none") return s;
  if (r == "add")
    s.red = Reduction::kAdd;
  else if (r == "mul")
    s.red = Reduction::kMul;
  else if (r == "max")
    s.red = Reduction::kMax;
  else if (r == "min")
    s.red = Reduction::kMin;
  else
    return info.Error(absl::StrCat("unknown reduction '", r, "'"));
  s.reduce = PickReduce(info.in_dtypes[0]);
  if (s.reduce == nullptr) return info.Unsupported("reduction on this element type");
  return s;
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateScatterElements(const KernelInfo& info) {
  auto st = SetupScatter(info);
  if (!st.ok()) return st.status();
  if (auto s = CheckIndexType(info, 1); !s.ok()) return s;
  const Shape& d = info.in_shapes[0];
  const int64_t r = static_cast<int64_t>(d.size());
  int64_t axis = info.node.GetInt("axis", 0);
  if (r == 0 || axis < -r || axis >= r) return info.Error("axis is out of range");
  if (axis < 0) axis += r;
  for (size_t k = 0; k < d.size(); ++k) {
    if (static_cast<int64_t>(k) != axis && info.in_shapes[1][k] > d[k]) {
      return info.Error("indices are larger than the data outside the axis");
    }
  }
  return MakeFnKernel([info, d, axis, s = *st](const KernelIo& io) {
    uint8_t* o = io.outputs[0].as<uint8_t>();
    if (io.outputs[0].data != io.inputs[0].data)
      std::memcpy(o, io.inputs[0].data, io.inputs[0].bytes());
    const uint8_t* u = io.inputs[2].as<const uint8_t>();
    return WalkElements(info, d, io.inputs[1], axis, [&](int64_t i, int64_t off) {
      if (s.reduce)
        s.reduce(o + off * s.es, u + i * s.es, 1, s.red);
      else
        std::memcpy(o + off * s.es, u + i * s.es, s.es);
    });
  });
}

// GatherND / ScatterND: every index tuple (the indices' last axis) selects a slice of
// `slice` contiguous elements of data.
struct NdLayout {
  int64_t batch = 1, batch_stride = 0, tuples = 0, m = 0, slice = 1;
  std::vector<int64_t> dims, strides;  // the m indexed data axes
};

NdLayout NdLayoutOf(const Shape& d, const Shape& q, int64_t b) {
  NdLayout l;
  l.m = q.back();
  l.batch = Prod(d, 0, b);
  l.batch_stride = Prod(d, b, d.size());
  l.tuples = Prod(q, b, q.size() - 1);
  l.slice = Prod(d, b + l.m, d.size());
  std::vector<int64_t> ds = tensor_copy::DenseStrides(d);
  for (int64_t i = 0; i < l.m; ++i) {
    l.dims.push_back(d[b + i]);
    l.strides.push_back(ds[b + i]);
  }
  return l;
}

template <typename Fn>
absl::Status WalkTuples(const KernelInfo& info, const NdLayout& l, const int64_t* idx, Fn fn) {
  for (int64_t bi = 0; bi < l.batch; ++bi) {
    for (int64_t t = 0; t < l.tuples; ++t) {
      const int64_t* tup = idx + (bi * l.tuples + t) * l.m;
      int64_t off = bi * l.batch_stride;
      for (int64_t i = 0; i < l.m; ++i) {
        int64_t v = tup[i] < 0 ? tup[i] + l.dims[i] : tup[i];
        if (v < 0 || v >= l.dims[i]) {
          return info.Error(
              absl::StrCat("index ", tup[i], " is out of range for an axis of size ", l.dims[i]));
        }
        off += v * l.strides[i];
      }
      fn(bi * l.tuples + t, off);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateGatherND(const KernelInfo& info) {
  auto es = ElemSize(info);
  if (!es.ok()) return es.status();
  const Shape& d = info.in_shapes[0];
  const Shape& q = info.in_shapes[1];
  int64_t b = info.node.opset >= 12 ? info.node.GetInt("batch_dims", 0) : 0;
  if (q.empty() || info.in_dtypes[1] != DType::kInt64 || b < 0 ||
      b + q.back() > static_cast<int64_t>(d.size())) {
    return info.Error("invalid indices or batch_dims");
  }
  NdLayout l = NdLayoutOf(d, q, b);
  const int64_t e = static_cast<int64_t>(*es), row = l.slice * e;
  return MakeFnKernel([info, l, e, row](const KernelIo& io) {
    const uint8_t* s = io.inputs[0].as<const uint8_t>();
    uint8_t* o = io.outputs[0].as<uint8_t>();
    return WalkTuples(info, l, io.inputs[1].as<const int64_t>(), [&](int64_t t, int64_t off) {
      tensor_copy::CopyRow(o + t * row, s + off * e, static_cast<size_t>(row));
    });
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateScatterND(const KernelInfo& info) {
  auto st = SetupScatter(info);
  if (!st.ok()) return st.status();
  const Shape& d = info.in_shapes[0];
  const Shape& q = info.in_shapes[1];
  if (q.empty() || info.in_dtypes[1] != DType::kInt64 ||
      q.back() > static_cast<int64_t>(d.size())) {
    return info.Error("invalid indices");
  }
  NdLayout l = NdLayoutOf(d, q, 0);
  return MakeFnKernel([info, l, s = *st](const KernelIo& io) {
    uint8_t* o = io.outputs[0].as<uint8_t>();
    if (io.outputs[0].data != io.inputs[0].data)
      std::memcpy(o, io.inputs[0].data, io.inputs[0].bytes());
    const uint8_t* u = io.inputs[2].as<const uint8_t>();
    const int64_t es = static_cast<int64_t>(s.es);
    return WalkTuples(info, l, io.inputs[1].as<const int64_t>(), [&](int64_t t, int64_t off) {
      if (s.reduce)
        s.reduce(o + off * es, u + t * l.slice * es, l.slice, s.red);
      else
        std::memcpy(o + off * es, u + t * l.slice * es, static_cast<size_t>(l.slice * es));
    });
  });
}

}  // namespace tensor_gather

void RegisterTensorGatherKernels(KernelRegistry& r) {
  using namespace tensor_gather;  // NOLINT: registration table only
  r.Add({"", "Gather", 1, 1000, CreateGather});
  r.Add({"", "GatherElements", 11, 1000, CreateGatherElements});
  r.Add({"", "GatherND", 11, 1000, CreateGatherND});
  r.Add({"", "Scatter", 9, 10, CreateScatterElements});
  r.Add({"", "ScatterElements", 11, 1000, CreateScatterElements});
  r.Add({"", "ScatterND", 11, 1000, CreateScatterND});
}

}  // namespace socd::cpu
