// Shape inference for the tensor ops that select, reorder or repeat elements: Transpose,
// Concat, Split, Slice, Gather*, Scatter*, Expand, Tile, Pad, DepthToSpace, SpaceToDepth.
#include <numeric>

#include "absl/strings/str_cat.h"
#include "graph/op_schema.h"
#include "graph/ops/tensor_params.h"

namespace socd::graph {
namespace tensor_index_ops {

using tensor_params::InputInts;

absl::Status CheckData(const InferContext& ctx) {
  if (DTypeSize(ctx.input_dtype(0)) == 0) {
    return ctx.Unsupported(absl::StrCat("element type ", DTypeName(ctx.input_dtype(0))));
  }
  return absl::OkStatus();
}

absl::Status CheckIndices(const InferContext& ctx, size_t i) {
  DType t = ctx.input_dtype(i);
  if (t != DType::kInt32 && t != DType::kInt64) {
    return ctx.Error(absl::StrCat("indices must be int32 or int64, got ", DTypeName(t)));
  }
  return absl::OkStatus();
}

// Contents of inputs [first, num_inputs), each required to be known at plan time when present.
absl::StatusOr<std::vector<const TensorView*>> RequireFrom(const InferContext& ctx, size_t first,
                                                           size_t skip = SIZE_MAX) {
  std::vector<const TensorView*> v(ctx.num_inputs(), nullptr);
  for (size_t i = first; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i) || i == skip) continue;
    auto r = ctx.RequireValue(i);
    if (!r.ok()) return r.status();
    v[i] = *r;
  }
  return v;
}

absl::Status InferTranspose(InferContext& ctx) {
  if (auto s = CheckData(ctx); !s.ok()) return s;
  const Shape& in = ctx.input_shape(0);
  const size_t r = in.size();
  std::vector<int64_t> perm = ctx.node().GetInts("perm");
  if (!ctx.node().HasAttr("perm")) {
    for (size_t i = 0; i < r; ++i) perm.push_back(static_cast<int64_t>(r - 1 - i));
  }
  if (perm.size() != r) {
    return ctx.Error(absl::StrCat("perm has ", perm.size(), " entries for rank ", r));
  }
  std::vector<bool> seen(r, false);
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    if (perm[i] < 0 || perm[i] >= static_cast<int64_t>(r) || seen[perm[i]]) {
      return ctx.Error("perm is not a permutation of the input's axes");
    }
    seen[perm[i]] = true;
    out[i] = in[perm[i]];
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
  return absl::OkStatus();
}

absl::Status InferConcat(InferContext& ctx) {
  if (ctx.num_inputs() == 0) return ctx.Error("needs at least one input");
  if (auto s = CheckData(ctx); !s.ok()) return s;
  if (!ctx.node().HasAttr("axis") && ctx.opset() >= 4)
    return ctx.Error("attribute 'axis' is required");
  const Shape& first = ctx.input_shape(0);
  auto axis = NormalizeAxis(ctx.node().GetInt("axis", 1), static_cast<int64_t>(first.size()), ctx);
  if (!axis.ok()) return axis.status();
  if (first.empty()) return ctx.Error("cannot concatenate scalars");
  Shape out = first;
  out[*axis] = 0;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return ctx.Error(absl::StrCat("input ", i, " is missing"));
    const Shape& s = ctx.input_shape(i);
    if (ctx.input_dtype(i) != ctx.input_dtype(0))
      return ctx.Error("inputs have different element types");
    bool ok = s.size() == first.size();
    for (size_t d = 0; ok && d < s.size(); ++d)
      ok = d == static_cast<size_t>(*axis) || s[d] == first[d];
    if (!ok) {
      return ctx.Error(absl::StrCat("input ", i, " has shape ", ShapeToString(s),
                                    ", which does not match ", ShapeToString(first),
                                    " outside axis ", *axis));
    }
    out[*axis] += s[*axis];
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
  return absl::OkStatus();
}

absl::Status InferSplit(InferContext& ctx) {
  if (auto s = CheckData(ctx); !s.ok()) return s;
  const Shape& in = ctx.input_shape(0);
  auto axis = NormalizeAxis(ctx.node().GetInt("axis", 0), static_cast<int64_t>(in.size()), ctx);
  if (!axis.ok()) return axis.status();
  if (in.empty()) return ctx.Error("cannot split a scalar");
  std::optional<std::vector<int64_t>> split;
  if (ctx.opset() >= 13 || (ctx.opset() < 2 && ctx.has_input(1))) {
    auto v = InputInts(ctx, 1);
    if (!v.ok()) return v.status();
    split = *v;
  } else if (ctx.node().HasAttr("split")) {
    split = ctx.node().GetInts("split");
  }
  int64_t num_outputs = ctx.opset() >= 18 ? ctx.node().GetInt("num_outputs", 0) : 0;
  if (ctx.opset() >= 18 && split && num_outputs > 0) {
    return ctx.Error("'split' and 'num_outputs' cannot both be given");
  }
  auto sizes = tensor_params::SplitSizes(in[*axis], split, num_outputs,
                                         static_cast<int64_t>(ctx.num_outputs()));
  if (!sizes.ok()) return ctx.Error(sizes.status().message());
  for (size_t o = 0; o < ctx.num_outputs(); ++o) {
    Shape s = in;
    s[*axis] = (*sizes)[o];
    ctx.set_output(o, ctx.input_dtype(0), s);
  }
  return absl::OkStatus();
}

absl::Status InferSlice(InferContext& ctx) {
  if (auto s = CheckData(ctx); !s.ok()) return s;
  auto vals = RequireFrom(ctx, 1);
  if (!vals.ok()) return vals.status();
  auto ranges = tensor_params::SliceFromNode(ctx.node(), ctx.input_shape(0), *vals);
  if (!ranges.ok()) return ctx.Error(ranges.status().message());
  Shape out;
  for (const auto& r : *ranges) out.push_back(r.count);
  ctx.set_output(0, ctx.input_dtype(0), out);
  return absl::OkStatus();
}

absl::Status InferGather(InferContext& ctx) {
  if (auto s = CheckData(ctx); !s.ok()) return s;
  if (auto s = CheckIndices(ctx, 1); !s.ok()) return s;
  const Shape& d = ctx.input_shape(0);
  auto axis = NormalizeAxis(ctx.node().GetInt("axis", 0), static_cast<int64_t>(d.size()), ctx);
  if (!axis.ok()) return axis.status();
  if (d.empty()) return ctx.Error("data must have rank >= 1");
  Shape out(d.begin(), d.begin() + *axis);
  const Shape& idx = ctx.input_shape(1);
  out.insert(out.end(), idx.begin(), idx.end());
  out.insert(out.end(), d.begin() + *axis + 1, d.end());
  ctx.set_output(0, ctx.input_dtype(0), out);
  return absl::OkStatus();
}

absl::Status InferGatherElements(InferContext& ctx) {
  if (auto s = CheckData(ctx); !s.ok()) return s;
  if (auto s = CheckIndices(ctx, 1); !s.ok()) return s;
  const Shape& d = ctx.input_shape(0);
  const Shape& idx = ctx.input_shape(1);
  if (d.empty() || idx.size() != d.size()) {
    return ctx.Error(absl::StrCat("data ", ShapeToString(d), " and indices ", ShapeToString(idx),
                                  " must have the same rank >= 1"));
  }
  auto axis = NormalizeAxis(ctx.node().GetInt("axis", 0), static_cast<int64_t>(d.size()), ctx);
  if (!axis.ok()) return axis.status();
  ctx.set_output(0, ctx.input_dtype(0), idx);
  return absl::OkStatus();
}

absl::Status InferGatherND(InferContext& ctx) {
  if (auto s = CheckData(ctx); !s.ok()) return s;
  if (ctx.input_dtype(1) != DType::kInt64) return ctx.Error("indices must be int64");
  const Shape& d = ctx.input_shape(0);
  const Shape& idx = ctx.input_shape(1);
  int64_t b = ctx.opset() >= 12 ? ctx.node().GetInt("batch_dims", 0) : 0;
  int64_t r = static_cast<int64_t>(d.size()), q = static_cast<int64_t>(idx.size());
  if (r < 1 || q < 1 || b < 0 || b >= std::min(r, q)) {
    return ctx.Error(absl::StrCat("invalid ranks: data ", r, ", indices ", q, ", batch_dims ", b));
  }
  for (int64_t i = 0; i < b; ++i) {
    if (d[i] != idx[i]) return ctx.Error("batch dimensions of data and indices differ");
  }
  int64_t m = idx.back();
  if (m < 1 || m > r - b) {
    return ctx.Error(absl::StrCat("indices' last dimension ", m, " must be in [1, ", r - b, "]"));
  }
  Shape out(idx.begin(), idx.end() - 1);
  out.insert(out.end(), d.begin() + b + m, d.end());
  ctx.set_output(0, ctx.input_dtype(0), out);
  return absl::OkStatus();
}

absl::Status InferScatterElements(InferContext& ctx) {
  if (auto s = CheckData(ctx); !s.ok()) return s;
  if (auto s = CheckIndices(ctx, 1); !s.ok()) return s;
  const Shape& d = ctx.input_shape(0);
  if (ctx.input_shape(1) != ctx.input_shape(2) || ctx.input_shape(1).size() != d.size() ||
      d.empty()) {
    return ctx.Error("indices and updates must have the same shape and the rank of data");
  }
  if (ctx.input_dtype(2) != ctx.input_dtype(0))
    return ctx.Error("updates' type differs from data's");
  auto axis = NormalizeAxis(ctx.node().GetInt("axis", 0), static_cast<int64_t>(d.size()), ctx);
  if (!axis.ok()) return axis.status();
  ctx.set_output(0, ctx.input_dtype(0), d);
  return absl::OkStatus();
}

absl::Status InferScatterND(InferContext& ctx) {
  if (auto s = CheckData(ctx); !s.ok()) return s;
  if (ctx.input_dtype(1) != DType::kInt64) return ctx.Error("indices must be int64");
  const Shape& d = ctx.input_shape(0);
  const Shape& idx = ctx.input_shape(1);
  if (idx.empty() || idx.back() < 1 || idx.back() > static_cast<int64_t>(d.size())) {
    return ctx.Error("indices' last dimension must be in [1, rank(data)]");
  }
  Shape want(idx.begin(), idx.end() - 1);
  want.insert(want.end(), d.begin() + idx.back(), d.end());
  if (ctx.input_shape(2) != want) {
    return ctx.Error(absl::StrCat("updates must have shape ", ShapeToString(want), ", got ",
                                  ShapeToString(ctx.input_shape(2))));
  }
  if (ctx.input_dtype(2) != ctx.input_dtype(0))
    return ctx.Error("updates' type differs from data's");
  ctx.set_output(0, ctx.input_dtype(0), d);
  return absl::OkStatus();
}

absl::Status InferExpand(InferContext& ctx) {
  if (auto s = CheckData(ctx); !s.ok()) return s;
  auto v = InputInts(ctx, 1);
  if (!v.ok()) return v.status();
  if (!*v) return ctx.Error("input 1 (shape) is required");
  for (int64_t d : **v)
    if (d < 0) return ctx.Error(absl::StrCat("shape has negative entry ", d));
  auto s = BroadcastShapes(ctx.input_shape(0), **v);
  if (!s.ok()) return ctx.Error(s.status().message());
  ctx.set_output(0, ctx.input_dtype(0), *s);
  return absl::OkStatus();
}

absl::Status InferTile(InferContext& ctx) {
  if (auto s = CheckData(ctx); !s.ok()) return s;
  auto v = InputInts(ctx, 1);
  if (!v.ok()) return v.status();
  if (!*v) return ctx.Error("input 1 (repeats) is required");
  const Shape& in = ctx.input_shape(0);
  if ((*v)->size() != in.size()) {
    return ctx.Error(absl::StrCat("repeats has ", (*v)->size(), " entries for rank ", in.size()));
  }
  Shape out(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if ((**v)[i] < 0) return ctx.Error("repeats has a negative entry");
    out[i] = in[i] * (**v)[i];
  }
  if (NumElements(out) < 0) return ctx.Error("output is too large");
  ctx.set_output(0, ctx.input_dtype(0), out);
  return absl::OkStatus();
}

absl::Status InferPad(InferContext& ctx) {
  if (auto s = CheckData(ctx); !s.ok()) return s;
  auto vals = RequireFrom(ctx, 1, /*skip=constant_value*/ 2);
  if (!vals.ok()) return vals.status();
  auto mode = tensor_params::ParsePadMode(ctx.node().GetString("mode", "constant"));
  if (!mode.ok()) return ctx.Error(mode.status().message());
  const Shape& in = ctx.input_shape(0);
  auto p = tensor_params::PadsFromNode(ctx.node(), in, *vals);
  if (!p.ok()) return ctx.Error(p.status().message());
  Shape out(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    out[i] = in[i] + p->begin[i] + p->end[i];
    if (in[i] == 0 && out[i] > 0 && *mode != tensor_params::PadMode::kConstant) {
      return ctx.Error(absl::StrCat("cannot pad empty dimension ", i, " in this mode"));
    }
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
  return absl::OkStatus();
}

absl::Status InferSpaceDepth(InferContext& ctx, bool to_space) {
  if (auto s = CheckData(ctx); !s.ok()) return s;
  const Shape& in = ctx.input_shape(0);
  int64_t b = ctx.node().GetInt("blocksize", 0);
  if (in.size() != 4) return ctx.Error("input must be 4-D (N, C, H, W)");
  if (b <= 0) return ctx.Error("attribute 'blocksize' must be positive");
  if (to_space) {
    std::string mode = ctx.node().GetString("mode", "DCR");
    if (mode != "DCR" && mode != "CRD") return ctx.Error(absl::StrCat("unknown mode '", mode, "'"));
    if (in[1] % (b * b) != 0) return ctx.Error("channels are not a multiple of blocksize^2");
    ctx.set_output(0, ctx.input_dtype(0), {in[0], in[1] / (b * b), in[2] * b, in[3] * b});
  } else {
    if (in[2] % b != 0 || in[3] % b != 0)
      return ctx.Error("H and W must be multiples of blocksize");
    ctx.set_output(0, ctx.input_dtype(0), {in[0], in[1] * b * b, in[2] / b, in[3] / b});
  }
  return absl::OkStatus();
}

}  // namespace tensor_index_ops

void RegisterTensorIndexOps(OpRegistry& r) {
  using namespace tensor_index_ops;  // NOLINT: registration table only
  r.Add({"", "Transpose", 1, 1000, InferTranspose});
  r.Add({"", "Concat", 1, 1000, InferConcat});
  r.Add({"", "Split", 1, 1000, InferSplit});
  r.Add({"", "Slice", 1, 1000, InferSlice});
  r.Add({"", "Gather", 1, 1000, InferGather});
  r.Add({"", "GatherElements", 11, 1000, InferGatherElements});
  r.Add({"", "GatherND", 11, 1000, InferGatherND});
  r.Add({"", "Scatter", 9, 10, InferScatterElements});
  r.Add({"", "ScatterElements", 11, 1000, InferScatterElements});
  r.Add({"", "ScatterND", 11, 1000, InferScatterND});
  r.Add({"", "Expand", 8, 1000, InferExpand});
  r.Add({"", "Tile", 6, 1000, InferTile});
  r.Add({"", "Pad", 1, 1000, InferPad});
  r.Add({"", "DepthToSpace", 1, 1000, [](InferContext& c) { return InferSpaceDepth(c, true); }});
  r.Add({"", "SpaceToDepth", 1, 1000, [](InferContext& c) { return InferSpaceDepth(c, false); }});
}

}  // namespace socd::graph
