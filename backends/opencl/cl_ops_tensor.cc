// Data movement for any element type: reshaping ops (a copy only when the plan could not
// alias), Transpose, Slice, Split, Expand, Concat, Gather, Resize (separable tap tables
// computed on the host), training-mode Dropout (kernels/dropout.cl), and the ops that only
// ever run at plan time (Shape, Constant...).
#include "absl/strings/str_cat.h"
#include "backends/cpu/kernels/tensor_resize_taps.h"
#include "backends/gpu_typed.h"
#include "backends/opencl/cl_ops.h"
#include "graph/ops/tensor_params.h"

namespace socd::opencl {

namespace cl_ops_tensor {

namespace tp = graph::tensor_params;

graph::Shape Strides(const graph::Shape& s) {
  graph::Shape st(s.size(), 1);
  for (size_t d = s.size(); d-- > 1;) st[d - 1] = st[d] * s[d];
  return st;
}

absl::StatusOr<std::string> Suffix(const LowerCtx& c, graph::DType t) {
  std::string s = SizeSuffix(t);
  if (s.empty()) return c.Unimplemented(absl::StrCat("element type ", graph::DTypeName(t)));
  return s;
}

// y (shape ys, contiguous) = x[xoff + sum coord_d * sx_d].
absl::StatusOr<ClDispatch> StridedCopy(const LowerCtx& c, int x, int y, const graph::Shape& ys,
                                       const graph::Shape& sx, int64_t xoff, graph::DType t) {
  auto sfx = Suffix(c, t);
  if (!sfx.ok()) return sfx.status();
  if (ys.size() > 8) return c.Unimplemented("rank above 8");
  if (!FitsInt32(ys)) return c.Unimplemented("more than 2^31 elements");
  std::array<int32_t, 8> dims, strides;
  dims.fill(1);
  strides.fill(0);
  for (size_t d = 0; d < ys.size(); ++d) {
    dims[8 - ys.size() + d] = static_cast<int32_t>(ys[d]);
    strides[8 - ys.size() + d] = static_cast<int32_t>(sx[d]);
  }
  const int64_t n = graph::NumElements(ys);
  ClDispatch d = Dispatch1D(absl::StrCat("strided_copy_", *sfx), n);
  d.args = {ClArg::Value(x),    ClArg::Value(y),       ClArg::Int(n),   ClArg::Int(8),
            ClArg::Ints8(dims), ClArg::Ints8(strides), ClArg::Int(xoff)};
  return d;
}

absl::StatusOr<std::vector<ClDispatch>> One(absl::StatusOr<ClDispatch> d) {
  if (!d.ok()) return d.status();
  return std::vector<ClDispatch>{*std::move(d)};
}

// Training-mode Dropout on kernels/dropout.cl: one work-group walks numpy's MT19937 stream for
// the seed (see the kernel for why one), so the mask is the CPU backend's exactly.
absl::StatusOr<std::vector<ClDispatch>> LowerDropoutTraining(
    const LowerCtx& c, const backends::gpu_typed::DropoutTraining& p) {
  if (c.in_dtype(0) != graph::DType::kFloat32 || c.out_dtype(0) != graph::DType::kFloat32)
    return c.Unimplemented(
        absl::StrCat("training mode on ", graph::DTypeName(c.in_dtype(0)), " (float32 only)"));
  if (c.has_out(1) && c.out_dtype(1) != graph::DType::kBool)
    return c.Unimplemented(absl::StrCat("mask type ", graph::DTypeName(c.out_dtype(1))));
  const int64_t n = graph::NumElements(c.out_shape());
  if (!FitsInt32(c.out_shape())) return c.Unimplemented("more than 2^31 elements");
  if (n == 0) return std::vector<ClDispatch>{};
  ClDispatch d = Dispatch1D("dropout_f32", 1);  // one work-group walks the whole stream
  d.args = {ClArg::Value(c.in(0)),
            ClArg::Value(c.out()),
            c.has_out(1) ? ClArg::Value(c.out(1)) : ClArg::Null(),
            ClArg::Int(n),
            ClArg::Pod(p.seed),
            ClArg::Pod(p.threshold),
            ClArg::Float(p.scale)};
  return std::vector<ClDispatch>{d};
}

absl::StatusOr<std::vector<ClDispatch>> LowerCopy(const LowerCtx& c) {
  std::vector<ClDispatch> out;
  if (c.node.op_type == "Dropout") {
    if (c.node.GetInt("training_mode", 0) != 0) return c.Unimplemented("training mode");
    auto training =
        backends::gpu_typed::PlanDropoutTraining(c.node, [&](int i) { return c.in_const(i); });
    if (!training.ok()) return c.Unimplemented(std::string(training.status().message()));
    if (*training) return LowerDropoutTraining(c, **training);
    if (c.has_out(1)) {  // inference: the mask is all true
      // bool since opset 10; before, the input's type (1.0f for float).
      const graph::DType mt = c.out_dtype(1);
      if (mt != graph::DType::kBool && mt != graph::DType::kFloat32)
        return c.Unimplemented("mask type");
      const int64_t n = graph::NumElements(c.out_shape(1));
      const bool is_bool = mt == graph::DType::kBool;
      ClDispatch d = Dispatch1D(is_bool ? "fill_u8" : "fill_u32", n);
      d.args = {ClArg::Value(c.out(1)), ClArg::Int(n),
                is_bool ? ClArg::Pod(uint8_t{1}) : ClArg::Pod(uint32_t{0x3f800000u})};
      out.push_back(d);
    }
  }
  if (!c.out0_aliased) {
    const graph::Shape flat{graph::NumElements(c.out_shape())};
    auto d = StridedCopy(c, c.in(0), c.out(), flat, {1}, 0, c.out_dtype());
    if (!d.ok()) return d.status();
    out.push_back(*d);
  }
  return out;
}

absl::StatusOr<std::vector<ClDispatch>> LowerTranspose(const LowerCtx& c) {
  const graph::Shape& xs = c.in_shape(0);
  std::vector<int64_t> perm = c.node.GetInts("perm");
  if (perm.empty())
    for (size_t d = xs.size(); d-- > 0;) perm.push_back(static_cast<int64_t>(d));
  if (perm.size() != xs.size()) return c.Unimplemented("perm rank mismatch");
  const graph::Shape st = Strides(xs);
  graph::Shape sx(perm.size());
  for (size_t d = 0; d < perm.size(); ++d) {
    int64_t p = perm[d] < 0 ? perm[d] + static_cast<int64_t>(xs.size()) : perm[d];
    if (p < 0 || p >= static_cast<int64_t>(xs.size())) return c.Unimplemented("bad perm");
    sx[d] = st[p];
  }
  return One(StridedCopy(c, c.in(0), c.out(), c.out_shape(), sx, 0, c.out_dtype()));
}

absl::StatusOr<std::vector<ClDispatch>> LowerSlice(const LowerCtx& c) {
  std::vector<const graph::TensorView*> ins;
  std::vector<graph::TensorView> views(c.num_in());
  for (size_t i = 0; i < c.num_in(); ++i) {
    if (i == 0 || !c.has_in(i)) {
      ins.push_back(nullptr);
      continue;
    }
    const graph::Tensor* t = c.in_const(i);
    if (!t) return c.Unimplemented("starts/ends/axes/steps known only at run time");
    views[i] = t->view();
    ins.push_back(&views[i]);
  }
  const graph::Shape& xs = c.in_shape(0);
  auto r = tp::SliceFromNode(c.node, xs, ins);
  if (!r.ok()) return r.status();
  const graph::Shape st = Strides(xs);
  graph::Shape sx(xs.size());
  int64_t off = 0;
  for (size_t d = 0; d < xs.size(); ++d) {
    off += (*r)[d].start * st[d];
    sx[d] = (*r)[d].step * st[d];
  }
  return One(StridedCopy(c, c.in(0), c.out(), c.out_shape(), sx, off, c.out_dtype()));
}

absl::StatusOr<std::vector<ClDispatch>> LowerSplit(const LowerCtx& c) {
  const graph::Shape& xs = c.in_shape(0);
  int64_t axis = c.node.GetInt("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(xs.size());
  if (axis < 0 || axis >= static_cast<int64_t>(xs.size())) return c.Unimplemented("bad axis");
  const graph::Shape st = Strides(xs);
  std::vector<ClDispatch> out;
  int64_t start = 0;
  for (size_t k = 0; k < c.num_out(); ++k) {
    if (!c.has_out(k)) return c.Unimplemented("omitted outputs");
    const graph::Shape& ys = c.out_shape(k);
    if (graph::NumElements(ys) > 0) {
      auto d = StridedCopy(c, c.in(0), c.out(k), ys, st, start * st[axis], c.out_dtype(k));
      if (!d.ok()) return d.status();
      out.push_back(*d);
    }
    start += ys[axis];
  }
  return out;
}

absl::StatusOr<std::vector<ClDispatch>> LowerExpand(const LowerCtx& c) {
  std::array<int32_t, 8> dims, sx;
  if (!BroadcastStrides(c.out_shape(), c.in_shape(0), &dims, &sx))
    return c.Unimplemented("rank above 8");
  const graph::Shape& ys = c.out_shape();
  graph::Shape s(ys.size());
  for (size_t d = 0; d < ys.size(); ++d) s[d] = sx[8 - ys.size() + d];
  return One(StridedCopy(c, c.in(0), c.out(), ys, s, 0, c.out_dtype()));
}

absl::StatusOr<std::vector<ClDispatch>> LowerConcat(const LowerCtx& c) {
  const graph::Shape& ys = c.out_shape();
  auto sfx = Suffix(c, c.out_dtype());
  if (!sfx.ok()) return sfx.status();
  if (!FitsInt32(ys)) return c.Unimplemented("more than 2^31 elements");
  int64_t axis = c.node.GetInt("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(ys.size());
  if (axis < 0 || axis >= static_cast<int64_t>(ys.size())) return c.Unimplemented("bad axis");
  int64_t inner = 1;
  for (size_t d = axis + 1; d < ys.size(); ++d) inner *= ys[d];
  std::vector<ClDispatch> out;
  int64_t off = 0;
  for (size_t i = 0; i < c.num_in(); ++i) {
    if (!c.has_in(i)) continue;
    const graph::Shape& xs = c.in_shape(i);
    const int64_t n = graph::NumElements(xs);
    if (n > 0) {
      ClDispatch d = Dispatch1D(absl::StrCat("concat_copy_", *sfx), n);
      d.args = {ClArg::Value(c.in(i)),        ClArg::Value(c.out()),        ClArg::Int(n),
                ClArg::Int(xs[axis] * inner), ClArg::Int(ys[axis] * inner), ClArg::Int(off)};
      out.push_back(d);
    }
    off += xs[axis] * inner;
  }
  return out;
}

absl::StatusOr<std::vector<ClDispatch>> LowerGather(const LowerCtx& c) {
  const graph::Shape& xs = c.in_shape(0);
  auto sfx = Suffix(c, c.in_dtype(0));
  if (!sfx.ok()) return sfx.status();
  const graph::DType it = c.in_dtype(1);
  if (it != graph::DType::kInt64 && it != graph::DType::kInt32)
    return c.Unimplemented("indices must be int32 or int64");
  if (!FitsInt32(xs) || !FitsInt32(c.out_shape())) return c.Unimplemented("too many elements");
  int64_t axis = c.node.GetInt("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(xs.size());
  if (axis < 0 || axis >= static_cast<int64_t>(xs.size())) return c.Unimplemented("bad axis");
  int64_t inner = 1;
  for (size_t d = axis + 1; d < xs.size(); ++d) inner *= xs[d];
  const int64_t n = graph::NumElements(c.out_shape());
  ClDispatch d =
      Dispatch1D(absl::StrCat("gather_", *sfx, it == graph::DType::kInt64 ? "_i64" : "_i32"), n);
  d.args = {ClArg::Value(c.in(0)),
            ClArg::Value(c.in(1)),
            ClArg::Value(c.out()),
            ClArg::Int(n),
            ClArg::Int(graph::NumElements(c.in_shape(1))),
            ClArg::Int(inner),
            ClArg::Int(xs[axis])};
  return std::vector<ClDispatch>{d};
}

absl::StatusOr<std::vector<ClDispatch>> LowerResize(const LowerCtx& c) {
  if (c.in_dtype(0) != graph::DType::kFloat32 || c.out_dtype() != graph::DType::kFloat32)
    return c.Unimplemented("float32 data only");
  const graph::Shape& ys = c.out_shape();
  if (!FitsInt32(ys)) return c.Unimplemented("more than 2^31 output elements");
  auto tables = cpu::tensor_resize::PlanResize2D(
      c.node, c.in_shape(0), ys, [&](int i) -> absl::StatusOr<const graph::Tensor*> {
        if (!c.has_in(i)) return nullptr;
        if (const graph::Tensor* t = c.in_const(i)) return t;
        return absl::UnimplementedError("roi/scales/sizes known only at run time");
      });
  if (!tables.ok()) return c.Unimplemented(std::string(tables.status().message()));
  const cpu::tensor_resize::Resize2DTables& t = *tables;
  const int64_t total = graph::NumElements(ys);
  ClDispatch d = Dispatch1D("resize2d_f32", total);
  d.args = {ClArg::Value(c.in(0)), ClArg::Value(c.out()),
            ClArg::Table(t.hidx),  ClArg::Table(t.hw),
            ClArg::Table(t.widx),  ClArg::Table(t.ww),
            ClArg::Int(total),     ClArg::Int(t.in_h),
            ClArg::Int(t.in_w),    ClArg::Int(t.out_h),
            ClArg::Int(t.out_w),   ClArg::Int(t.nh),
            ClArg::Int(t.nw),      ClArg::Pod(t.extrapolation_value)};
  return std::vector<ClDispatch>{d};
}

// Ops whose outputs are always computed while planning when their inputs are known.
absl::StatusOr<std::vector<ClDispatch>> LowerPlanTimeOnly(const LowerCtx& c) {
  return c.Unimplemented("its output depends on run-time values (computed at plan time only)");
}

}  // namespace cl_ops_tensor

void RegisterTensorOps(ClOpTable& t) {
  namespace x = cl_ops_tensor;
  for (const char* op : {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout"})
    t[op] = {x::LowerCopy, nullptr};
  t["Transpose"] = {x::LowerTranspose, nullptr};
  t["Slice"] = {x::LowerSlice, nullptr};
  t["Split"] = {x::LowerSplit, nullptr};
  t["Expand"] = {x::LowerExpand, nullptr};
  t["Concat"] = {x::LowerConcat, nullptr};
  t["Gather"] = {x::LowerGather, nullptr};
  t["Resize"] = {x::LowerResize, nullptr};
  t["Upsample"] = {x::LowerResize, nullptr};
  for (const char* op : {"Shape", "Size", "Constant", "ConstantOfShape", "Range"})
    t[op] = {x::LowerPlanTimeOnly, nullptr};
}

}  // namespace socd::opencl
