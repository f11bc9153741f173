#include "backends/cpu/kernels/tensor_copy.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "graph/tensor.h"

namespace socd::cpu::tensor_copy {

// Work below this many bytes stays on the calling thread: waking workers costs more.
constexpr int64_t kParallelBytes = 64 * 1024;
constexpr int64_t kChunkBytes = 32 * 1024;

template <typename T>
void FillT(T* d, int64_t n, T v) {
  for (int64_t i = 0; i < n; ++i) d[i] = v;
}

void FillElements(void* dst, int64_t n, const void* src, size_t es) {
  if (n <= 0) return;
  switch (es) {
    case 1:
      std::memset(dst, *static_cast<const uint8_t*>(src), static_cast<size_t>(n));
      return;
    case 2: {
      uint16_t v;
      std::memcpy(&v, src, 2);
      FillT(static_cast<uint16_t*>(dst), n, v);
      return;
    }
    case 4: {
      uint32_t v;
      std::memcpy(&v, src, 4);
      FillT(static_cast<uint32_t*>(dst), n, v);
      return;
    }
    case 8: {
      uint64_t v;
      std::memcpy(&v, src, 8);
      FillT(static_cast<uint64_t*>(dst), n, v);
      return;
    }
    default:
      for (int64_t i = 0; i < n; ++i) std::memcpy(static_cast<uint8_t*>(dst) + i * es, src, es);
  }
}

std::vector<int64_t> DenseStrides(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t k = s.size(); k-- > 1;) st[k - 1] = st[k] * s[k];
  return st;
}

NormView Normalize(const Shape& dims, const std::vector<int64_t>& strides) {
  NormView v;
  for (size_t k = 0; k < dims.size(); ++k) {
    if (dims[k] == 1) continue;
    if (!v.dims.empty() && v.strides.back() == strides[k] * dims[k]) {
      v.dims.back() *= dims[k];
      v.strides.back() = strides[k];
    } else {
      v.dims.push_back(dims[k]);
      v.strides.push_back(strides[k]);
    }
  }
  return v;
}

template <typename T>
void GatherStridedT(T* d, const T* s, int64_t n, int64_t stride) {
  for (int64_t i = 0; i < n; ++i) d[i] = s[i * stride];
}

void GatherStrided(void* d, const void* s, int64_t n, int64_t stride, size_t es) {
  switch (es) {
    case 1:
      GatherStridedT(static_cast<uint8_t*>(d), static_cast<const uint8_t*>(s), n, stride);
      return;
    case 2:
      GatherStridedT(static_cast<uint16_t*>(d), static_cast<const uint16_t*>(s), n, stride);
      return;
    case 4:
      GatherStridedT(static_cast<uint32_t*>(d), static_cast<const uint32_t*>(s), n, stride);
      return;
    case 8:
      GatherStridedT(static_cast<uint64_t*>(d), static_cast<const uint64_t*>(s), n, stride);
      return;
    default:
      for (int64_t i = 0; i < n; ++i) {
        std::memcpy(static_cast<uint8_t*>(d) + i * es,
                    static_cast<const uint8_t*>(s) + i * stride * es, es);
      }
  }
}

void ParallelRows(ThreadPool* pool, int64_t rows, int64_t row_bytes,
                  const std::function<void(int64_t, int64_t)>& fn) {
  int64_t total = rows * std::max<int64_t>(row_bytes, 1);
  if (pool == nullptr || pool->size() < 2 || total < kParallelBytes || rows < 2) {
    fn(0, rows);
    return;
  }
  pool->ParallelFor(rows, std::max<int64_t>(1, kChunkBytes / std::max<int64_t>(row_bytes, 1)), fn);
}

void StridedCopy(void* dst, const void* src, const Shape& dims,
                 const std::vector<int64_t>& src_strides, size_t es, ThreadPool* pool) {
  if (graph::NumElements(dims) <= 0) return;
  NormView v = Normalize(dims, src_strides);
  auto* d = static_cast<uint8_t*>(dst);
  const auto* s = static_cast<const uint8_t*>(src);
  if (v.dims.empty()) {
    std::memcpy(d, s, es);
    return;
  }
  const int r = static_cast<int>(v.dims.size());
  const int64_t inner = v.dims[r - 1], is = v.strides[r - 1];
  const int64_t row_bytes = inner * static_cast<int64_t>(es);
  int64_t rows = 1;
  for (int k = 0; k < r - 1; ++k) rows *= v.dims[k];
  auto run = [&](int64_t b, int64_t e) {
    std::vector<int64_t> idx(r > 1 ? r - 1 : 1, 0);
    int64_t off = 0, t = b;
    for (int k = r - 2; k >= 0; --k) {
      idx[k] = t % v.dims[k];
      t /= v.dims[k];
      off += idx[k] * v.strides[k];
    }
    uint8_t* out = d + b * row_bytes;
    for (int64_t row = b; row < e; ++row, out += row_bytes) {
      const uint8_t* in = s + off * static_cast<int64_t>(es);
      if (is == 1)
        CopyRow(out, in, static_cast<size_t>(row_bytes));
      else if (is == 0)
        FillElements(out, inner, in, es);
      else
        GatherStrided(out, in, inner, is, es);
      for (int k = r - 2; k >= 0; --k) {
        off += v.strides[k];
        if (++idx[k] < v.dims[k]) break;
        off -= v.strides[k] * v.dims[k];
        idx[k] = 0;
      }
    }
  };
  ParallelRows(pool, rows, row_bytes, run);
}

template <typename T>
void GatherTableT(T* d, const uint8_t* base, const int64_t* off, int64_t n) {
  for (int64_t i = 0; i < n; ++i) std::memcpy(d + i, base + off[i], sizeof(T));
}

void GatherTable(void* d, const uint8_t* base, const int64_t* off, int64_t n, size_t es) {
  switch (es) {
    case 1:
      GatherTableT(static_cast<uint8_t*>(d), base, off, n);
      return;
    case 2:
      GatherTableT(static_cast<uint16_t*>(d), base, off, n);
      return;
    case 4:
      GatherTableT(static_cast<uint32_t*>(d), base, off, n);
      return;
    case 8:
      GatherTableT(static_cast<uint64_t*>(d), base, off, n);
      return;
    default:
      for (int64_t i = 0; i < n; ++i)
        std::memcpy(static_cast<uint8_t*>(d) + i * es, base + off[i], es);
  }
}

// One axis of a MapCopy: byte offsets per output position (-1: fill), or the identity with a
// byte stride when `table` is empty.
struct MapAxis {
  int64_t n = 0;
  int64_t stride = 0;
  std::vector<int64_t> table;
};

// A run of the innermost axis: copy `len` contiguous elements from `src`, fill, or gather
// through table entries [j0, j0 + len).
struct MapSeg {
  enum Kind { kCopy, kFill, kGather } kind;
  int64_t j0, len, src;
};

void MapCopy(void* dst, const void* src, const Shape& in_dims, const Shape& out_dims,
             const std::vector<std::vector<int64_t>>& maps, size_t es, const void* fill,
             ThreadPool* pool) {
  if (graph::NumElements(out_dims) <= 0) return;
  auto* d = static_cast<uint8_t*>(dst);
  const auto* s = static_cast<const uint8_t*>(src);
  const int64_t e = static_cast<int64_t>(es);
  if (out_dims.empty()) {
    std::memcpy(d, s, es);
    return;
  }
  std::vector<int64_t> in_strides = DenseStrides(in_dims);
  std::vector<MapAxis> axes;
  for (size_t k = 0; k < out_dims.size(); ++k) {
    const int64_t stride = in_strides[k] * e;
    if (maps[k].empty()) {
      if (!axes.empty() && axes.back().table.empty() &&
          axes.back().stride == stride * out_dims[k]) {
        axes.back().n *= out_dims[k];
        axes.back().stride = stride;
      } else {
        axes.push_back({out_dims[k], stride, {}});
      }
      continue;
    }
    MapAxis a{out_dims[k], stride, std::vector<int64_t>(static_cast<size_t>(out_dims[k]))};
    for (int64_t j = 0; j < out_dims[k]; ++j)
      a.table[j] = maps[k][j] < 0 ? -1 : maps[k][j] * stride;
    axes.push_back(std::move(a));
  }
  const MapAxis& last = axes.back();
  const int64_t inner = last.n, row_bytes = inner * e;
  std::vector<MapSeg> segs;
  if (last.table.empty()) {
    segs.push_back({MapSeg::kCopy, 0, inner, 0});
  } else {
    const auto& t = last.table;
    for (int64_t j = 0; j < inner;) {
      int64_t k = j + 1;
      if (t[j] < 0) {
        while (k < inner && t[k] < 0) ++k;
        segs.push_back({MapSeg::kFill, j, k - j, 0});
      } else if (k < inner && t[k] == t[j] + e) {
        while (k < inner && t[k] == t[k - 1] + e) ++k;
        segs.push_back({MapSeg::kCopy, j, k - j, t[j]});
      } else {
        while (k < inner && t[k] >= 0 && !(k + 1 < inner && t[k + 1] == t[k] + e)) ++k;
        segs.push_back({MapSeg::kGather, j, k - j, 0});
      }
      j = k;
    }
  }
  const int nouter = static_cast<int>(axes.size()) - 1;
  int64_t rows = 1;
  for (int k = 0; k < nouter; ++k) rows *= axes[k].n;
  auto run = [&](int64_t b, int64_t end) {
    int64_t prev_base = -2;
    for (int64_t row = b; row < end; ++row) {
      uint8_t* drow = d + row * row_bytes;
      int64_t base = 0, t = row;
      for (int k = nouter - 1; k >= 0 && base >= 0; --k) {
        int64_t j = t % axes[k].n;
        t /= axes[k].n;
        int64_t off = axes[k].table.empty() ? j * axes[k].stride : axes[k].table[j];
        base = off < 0 ? -1 : base + off;
      }
      if (base < 0) {
        FillElements(drow, inner, fill, es);
      } else if (base == prev_base && row > b) {
        CopyRow(drow, drow - row_bytes, static_cast<size_t>(row_bytes));  // repeated source row
      } else {
        const uint8_t* srow = s + base;
        for (const MapSeg& g : segs) {
          uint8_t* out = drow + g.j0 * e;
          if (g.kind == MapSeg::kCopy)
            CopyRow(out, srow + g.src, static_cast<size_t>(g.len * e));
          else if (g.kind == MapSeg::kFill)
            FillElements(out, g.len, fill, es);
          else
            GatherTable(out, srow, last.table.data() + g.j0, g.len, es);
        }
      }
      prev_base = base;
    }
  };
  ParallelRows(pool, rows, row_bytes, run);
}

template <typename T>
void EncodeInt(double v, void* out) {
  double r = std::nearbyint(v);
  T x;
  if (std::isnan(r))
    x = 0;
  else if (r <= static_cast<double>(std::numeric_limits<T>::min()))
    x = std::numeric_limits<T>::min();
  else if (r >= static_cast<double>(std::numeric_limits<T>::max()))
    x = std::numeric_limits<T>::max();
  else
    x = static_cast<T>(r);
  std::memcpy(out, &x, sizeof(T));
}

bool EncodeScalar(DType t, double v, void* out) {
  switch (t) {
    case DType::kFloat32: {
      float f = static_cast<float>(v);
      std::memcpy(out, &f, 4);
      return true;
    }
    case DType::kFloat64:
      std::memcpy(out, &v, 8);
      return true;
    case DType::kFloat16: {
      uint16_t h = graph::FloatToHalf(static_cast<float>(v));
      std::memcpy(out, &h, 2);
      return true;
    }
    case DType::kBFloat16: {
      uint16_t h = graph::FloatToBFloat16(static_cast<float>(v));
      std::memcpy(out, &h, 2);
      return true;
    }
    case DType::kBool:
      *static_cast<uint8_t*>(out) = v != 0;
      return true;
    case DType::kInt8:
      EncodeInt<int8_t>(v, out);
      return true;
    case DType::kUInt8:
      EncodeInt<uint8_t>(v, out);
      return true;
    case DType::kInt16:
      EncodeInt<int16_t>(v, out);
      return true;
    case DType::kUInt16:
      EncodeInt<uint16_t>(v, out);
      return true;
    case DType::kInt32:
      EncodeInt<int32_t>(v, out);
      return true;
    case DType::kUInt32:
      EncodeInt<uint32_t>(v, out);
      return true;
    case DType::kInt64:
      EncodeInt<int64_t>(v, out);
      return true;
    case DType::kUInt64:
      EncodeInt<uint64_t>(v, out);
      return true;
    default:
      return false;
  }
}

}  // namespace socd::cpu::tensor_copy
