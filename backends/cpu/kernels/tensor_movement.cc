// CPU kernels that reorder or repeat whole rows of elements: Transpose, DepthToSpace,
// SpaceToDepth, Concat, Split, Expand, Tile. All are dtype-agnostic byte movers.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/tensor_copy.h"
#include "backends/cpu/kernels/tensor_kernels.h"

namespace socd::cpu {
namespace tensor_movement {

absl::StatusOr<size_t> ElemSize(const KernelInfo& info, size_t input = 0) {
  if (input >= info.in_dtypes.size())
    return info.Error(absl::StrCat("input ", input, " is missing"));
  size_t es = graph::DTypeSize(info.in_dtypes[input]);
  if (!tensor_copy::SupportedElemSize(es)) {
    return info.Unsupported(absl::StrCat("element type ", graph::DTypeName(info.in_dtypes[input])));
  }
  return es;
}

std::unique_ptr<Kernel> MakeTranspose(Shape in_dims, std::vector<int64_t> perm, size_t es) {
  return MakeFnKernel(
      [in_dims = std::move(in_dims), perm = std::move(perm), es](const KernelIo& io) {
        tensor_copy::Transpose(io.outputs[0].data, io.inputs[0].data, in_dims, perm, es, io.pool);
        return absl::OkStatus();
      });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateTranspose(const KernelInfo& info) {
  auto es = ElemSize(info);
  if (!es.ok()) return es.status();
  const Shape& in = info.in_shapes[0];
  std::vector<int64_t> perm = info.node.GetInts("perm");
  if (!info.node.HasAttr("perm")) {
    for (size_t i = 0; i < in.size(); ++i) perm.push_back(static_cast<int64_t>(in.size() - 1 - i));
  }
  std::vector<bool> seen(in.size(), false);
  bool ok = perm.size() == in.size();
  for (size_t i = 0; ok && i < perm.size(); ++i) {
    ok = perm[i] >= 0 && perm[i] < static_cast<int64_t>(in.size()) && !seen[perm[i]];
    if (ok) seen[perm[i]] = true;
  }
  if (!ok) return info.Error("perm is not a permutation of the input's axes");
  return MakeTranspose(in, perm, *es);
}

// DepthToSpace / SpaceToDepth are a transpose of a 6-D view of the NCHW input.
absl::StatusOr<std::unique_ptr<Kernel>> CreateSpaceDepth(const KernelInfo& info) {
  auto es = ElemSize(info);
  if (!es.ok()) return es.status();
  const Shape& in = info.in_shapes[0];
  int64_t b = info.node.GetInt("blocksize", 0);
  if (in.size() != 4 || b <= 0) return info.Error("needs a 4-D input and a positive blocksize");
  const int64_t n = in[0], c = in[1], h = in[2], w = in[3];
  if (info.node.op_type == "DepthToSpace") {
    if (c % (b * b) != 0) return info.Error("channels are not a multiple of blocksize^2");
    if (info.node.GetString("mode", "DCR") == "CRD") {
      return MakeTranspose({n, c / (b * b), b, b, h, w}, {0, 1, 4, 2, 5, 3}, *es);
    }
    return MakeTranspose({n, b, b, c / (b * b), h, w}, {0, 3, 4, 1, 5, 2}, *es);
  }
  if (h % b != 0 || w % b != 0) return info.Error("H and W must be multiples of blocksize");
  return MakeTranspose({n, c, h / b, b, w / b, b}, {0, 3, 5, 1, 2, 4}, *es);
}

// Concat and Split view every tensor as [outer, axis * inner]: each outer row is a run of
// contiguous bytes per input (output) to copy.
struct RowLayout {
  int64_t outer = 1;
  std::vector<int64_t> run_bytes;  // per part
  int64_t row_bytes = 0;
};

RowLayout LayoutOf(const std::vector<Shape>& parts, int64_t axis, size_t es) {
  RowLayout l;
  const Shape& s0 = parts[0];
  for (int64_t k = 0; k < axis; ++k) l.outer *= s0[k];
  for (const Shape& s : parts) {
    int64_t run = static_cast<int64_t>(es);
    for (size_t k = axis; k < s.size(); ++k) run *= s[k];
    l.run_bytes.push_back(run);
    l.row_bytes += run;
  }
  return l;
}

void ForRows(const RowLayout& l, ThreadPool* pool,
             const std::function<void(int64_t, int64_t)>& fn) {
  if (pool == nullptr || pool->size() < 2 || l.outer < 2 || l.outer * l.row_bytes < (128 << 10)) {
    fn(0, l.outer);
    return;
  }
  pool->ParallelFor(l.outer, std::max<int64_t>(1, (64 << 10) / std::max<int64_t>(l.row_bytes, 1)),
                    fn);
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateConcat(const KernelInfo& info) {
  auto es = ElemSize(info);
  if (!es.ok()) return es.status();
  const int64_t r = static_cast<int64_t>(info.out_shapes[0].size());
  int64_t axis = info.node.GetInt("axis", 1);
  if (axis < -r || axis >= r) return info.Error(absl::StrCat("axis ", axis, " is out of range"));
  if (axis < 0) axis += r;
  for (size_t i = 0; i < info.in_dtypes.size(); ++i) {
    if (info.in_dtypes[i] != info.in_dtypes[0] ||
        info.in_shapes[i].size() != static_cast<size_t>(r)) {
      return info.Error(absl::StrCat("input ", i, " does not match input 0"));
    }
  }
  RowLayout l = LayoutOf(info.in_shapes, axis, *es);
  return MakeFnKernel([l](const KernelIo& io) {
    const size_t n = io.inputs.size();
    ForRows(l, io.pool, [&](int64_t b, int64_t e) {
      uint8_t* d = io.outputs[0].as<uint8_t>() + b * l.row_bytes;
      for (int64_t o = b; o < e; ++o) {
        for (size_t i = 0; i < n; ++i) {
          const int64_t rb = l.run_bytes[i];
          if (rb == 0) continue;
          tensor_copy::CopyRow(d, io.inputs[i].as<const uint8_t>() + o * rb,
                               static_cast<size_t>(rb));
          d += rb;
        }
      }
    });
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateSplit(const KernelInfo& info) {
  auto es = ElemSize(info);
  if (!es.ok()) return es.status();
  const int64_t r = static_cast<int64_t>(info.in_shapes[0].size());
  int64_t axis = info.node.GetInt("axis", 0);
  if (axis < -r || axis >= r) return info.Error(absl::StrCat("axis ", axis, " is out of range"));
  if (axis < 0) axis += r;
  std::vector<Shape> parts;
  int64_t total = 0;
  for (size_t o = 0; o < info.out_shapes.size(); ++o) {
    // An omitted output still occupies its slice of the input.
    if (info.out_dtypes[o] == DType::kUndefined) return info.Unsupported("omitted Split outputs");
    parts.push_back(info.out_shapes[o]);
    total += info.out_shapes[o][axis];
  }
  if (parts.empty() || total != info.in_shapes[0][axis])
    return info.Error("outputs do not cover the input");
  RowLayout l = LayoutOf(parts, axis, *es);
  return MakeFnKernel([l](const KernelIo& io) {
    const size_t n = io.outputs.size();
    ForRows(l, io.pool, [&](int64_t b, int64_t e) {
      const uint8_t* s = io.inputs[0].as<const uint8_t>() + b * l.row_bytes;
      for (int64_t o = b; o < e; ++o) {
        for (size_t i = 0; i < n; ++i) {
          const int64_t rb = l.run_bytes[i];
          if (rb == 0) continue;
          tensor_copy::CopyRow(io.outputs[i].as<uint8_t>() + o * rb, s, static_cast<size_t>(rb));
          s += rb;
        }
      }
    });
    return absl::OkStatus();
  });
}

std::unique_ptr<Kernel> MakeStrided(Shape dims, std::vector<int64_t> strides, size_t es) {
  return MakeFnKernel(
      [dims = std::move(dims), strides = std::move(strides), es](const KernelIo& io) {
        tensor_copy::StridedCopy(io.outputs[0].data, io.inputs[0].data, dims, strides, es, io.pool);
        return absl::OkStatus();
      });
}

// Expand: broadcast dimensions read the same source element (stride 0).
absl::StatusOr<std::unique_ptr<Kernel>> CreateExpand(const KernelInfo& info) {
  auto es = ElemSize(info);
  if (!es.ok()) return es.status();
  const Shape& out = info.out_shapes[0];
  Shape in = info.in_shapes[0];
  if (in.size() > out.size()) return info.Error("output rank is smaller than the input's");
  in.insert(in.begin(), out.size() - in.size(), 1);
  std::vector<int64_t> st = tensor_copy::DenseStrides(in);
  for (size_t k = 0; k < in.size(); ++k) {
    if (in[k] == out[k]) continue;
    if (in[k] != 1) return info.Error("input does not broadcast to the output");
    st[k] = 0;
  }
  return MakeStrided(out, st, *es);
}

// Tile: output axis k viewed as [repeats_k, dim_k], the repeat index reading with stride 0.
absl::StatusOr<std::unique_ptr<Kernel>> CreateTile(const KernelInfo& info) {
  auto es = ElemSize(info);
  if (!es.ok()) return es.status();
  const Shape& in = info.in_shapes[0];
  const Shape& out = info.out_shapes[0];
  if (in.size() != out.size()) return info.Error("output rank differs from the input's");
  std::vector<int64_t> in_st = tensor_copy::DenseStrides(in);
  Shape dims;
  std::vector<int64_t> st;
  for (size_t k = 0; k < in.size(); ++k) {
    int64_t reps = in[k] == 0 ? 0 : out[k] / in[k];
    if (reps * in[k] != out[k]) return info.Error("output is not a whole number of tiles");
    dims.insert(dims.end(), {reps, in[k]});
    st.insert(st.end(), {0, in_st[k]});
  }
  return MakeStrided(dims, st, *es);
}

}  // namespace tensor_movement

void RegisterTensorMovementKernels(KernelRegistry& r) {
  using namespace tensor_movement;  // NOLINT: registration table only
  r.Add({"", "Transpose", 1, 1000, CreateTranspose});
  r.Add({"", "DepthToSpace", 1, 1000, CreateSpaceDepth});
  r.Add({"", "SpaceToDepth", 1, 1000, CreateSpaceDepth});
  r.Add({"", "Concat", 1, 1000, CreateConcat});
  r.Add({"", "Split", 1, 1000, CreateSplit});
  r.Add({"", "Expand", 8, 1000, CreateExpand});
  r.Add({"", "Tile", 6, 1000, CreateTile});
}

}  // namespace socd::cpu
