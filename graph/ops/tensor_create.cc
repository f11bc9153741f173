// Shape inference for the tensor ops that create values: Range, ConstantOfShape, EyeLike,
// OneHot, Trilu, NonZero.
#include "absl/strings/str_cat.h"
#include "graph/op_schema.h"
#include "graph/ops/tensor_params.h"
#include "graph/string_store.h"

namespace socd::graph {
namespace tensor_create_ops {

absl::Status InferRange(InferContext& ctx) {
  const TensorView* v[3];
  for (size_t i = 0; i < 3; ++i) {
    auto r = ctx.RequireValue(i);
    if (!r.ok()) return r.status();
    v[i] = *r;
    if (ctx.input_dtype(i) != ctx.input_dtype(0)) return ctx.Error("inputs have different types");
  }
  DType t = ctx.input_dtype(0);
  if (!IsInteger(t) && !IsFloat(t))
    return ctx.Unsupported(absl::StrCat("element type ", DTypeName(t)));
  auto n = tensor_params::RangeCount(*v[0], *v[1], *v[2]);
  if (!n.ok()) return ctx.Error(n.status().message());
  ctx.set_output(0, t, {*n});
  return absl::OkStatus();
}

absl::Status InferConstantOfShape(InferContext& ctx) {
  auto v = tensor_params::InputInts(ctx, 0);
  if (!v.ok()) return v.status();
  if (!*v) return ctx.Error("input 0 (shape) is required");
  for (int64_t d : **v)
    if (d < 0) return ctx.Error(absl::StrCat("shape has negative entry ", d));
  DType t = DType::kFloat32;
  auto it = ctx.node().attrs.find("value");
  if (it != ctx.node().attrs.end()) {
    if (it->second.kind != Attribute::Kind::kTensor || !it->second.t ||
        it->second.t->numel() != 1) {
      return ctx.Error("attribute 'value' must be a one-element tensor");
    }
    t = it->second.t->dtype();
  }
  if (DTypeSize(t) == 0) return ctx.Unsupported(absl::StrCat("element type ", DTypeName(t)));
  if (NumElements(**v) < 0) return ctx.Error("output is too large");
  ctx.set_output(0, t, **v);
  return absl::OkStatus();
}

absl::Status InferEyeLike(InferContext& ctx) {
  if (ctx.input_rank(0) != 2) return ctx.Error("input must be 2-D");
  DType t = ctx.input_dtype(0);
  if (ctx.node().HasAttr("dtype")) {
    int64_t code = ctx.node().GetInt("dtype", 0);
    if (!IsKnownDType(static_cast<int32_t>(code))) return ctx.Error("unknown dtype");
    t = static_cast<DType>(code);
  }
  if (DTypeSize(t) == 0) return ctx.Unsupported(absl::StrCat("element type ", DTypeName(t)));
  ctx.set_output(0, t, ctx.input_shape(0));
  return absl::OkStatus();
}

absl::Status InferOneHot(InferContext& ctx) {
  auto depth = ctx.RequireValue(1);
  if (!depth.ok()) return depth.status();
  if ((*depth)->numel() != 1) return ctx.Error("depth must have one element");
  int64_t d = static_cast<int64_t>(ReadFloat(**depth, 0));
  if (d < 1) return ctx.Error(absl::StrCat("depth ", d, " must be positive"));
  if (NumElements(ctx.input_shape(2)) != 2) return ctx.Error("values must have two elements");
  DType vt = ctx.input_dtype(2);
  if (DTypeSize(vt) == 0) return ctx.Unsupported(absl::StrCat("element type ", DTypeName(vt)));
  const Shape& idx = ctx.input_shape(0);
  int64_t r = static_cast<int64_t>(idx.size()) + 1;
  int64_t axis = ctx.node().GetInt("axis", -1);
  if (axis < -r || axis >= r) return ctx.Error(absl::StrCat("axis ", axis, " is out of range"));
  if (axis < 0) axis += r;
  Shape out = idx;
  out.insert(out.begin() + axis, d);
  ctx.set_output(0, vt, out);
  return absl::OkStatus();
}

absl::Status InferTrilu(InferContext& ctx) {
  if (ctx.input_rank(0) < 2) return ctx.Error("input must have rank >= 2");
  if (DTypeSize(ctx.input_dtype(0)) == 0) return ctx.Unsupported("element type");
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
  return absl::OkStatus();
}

absl::Status InferNonZero(InferContext& ctx) {
  // The output's length is data-dependent: known only from the input's contents.
  auto v = ctx.RequireValue(0);
  if (!v.ok()) return v.status();
  DType t = ctx.input_dtype(0);
  if (DTypeSize(t) == 0) return ctx.Unsupported("element type");
  int64_t nnz = 0;
  for (int64_t i = 0; i < (*v)->numel(); ++i) {
    nnz += t == DType::kString ? !StringAt(**v, i).empty()
           : IsFloat(t)        ? ReadFloat(**v, i) != 0
                               : ReadInt(**v, i) != 0;
  }
  ctx.set_output(0, DType::kInt64, {static_cast<int64_t>(ctx.input_rank(0)), nnz});
  return absl::OkStatus();
}

}  // namespace tensor_create_ops

void RegisterTensorCreateOps(OpRegistry& r) {
  using namespace tensor_create_ops;  // NOLINT: registration table only
  r.Add({"", "Range", 11, 1000, InferRange});
  r.Add({"", "ConstantOfShape", 9, 1000, InferConstantOfShape});
  r.Add({"", "EyeLike", 9, 1000, InferEyeLike});
  r.Add({"", "OneHot", 9, 1000, InferOneHot});
  r.Add({"", "Trilu", 14, 1000, InferTrilu});
  r.Add({"", "NonZero", 9, 1000, InferNonZero});
}

}  // namespace socd::graph
