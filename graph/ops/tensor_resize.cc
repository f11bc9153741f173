// Shape inference for Resize (opset 10+) and Upsample (7, 9; canonicalize.cc rewrites it to
// Resize-10, which means the same).
#include "absl/strings/str_cat.h"
#include "graph/op_schema.h"
#include "graph/ops/tensor_params.h"

namespace socd::graph {
namespace tensor_resize_ops {

absl::Status InferResize(InferContext& ctx) {
  using namespace tensor_params;  // NOLINT: local to this function
  if (DTypeSize(ctx.input_dtype(0)) == 0) {
    return ctx.Unsupported(absl::StrCat("element type ", DTypeName(ctx.input_dtype(0))));
  }
  auto a = ParseResizeAttrs(ctx.node());
  if (!a.ok()) return ctx.Error(a.status().message());
  if (a->mode != ResizeMode::kNearest && !IsFloat(ctx.input_dtype(0)) &&
      !IsInteger(ctx.input_dtype(0))) {
    return ctx.Unsupported("linear/cubic resize of a non-numeric tensor");
  }
  std::vector<double> roi, scales;
  std::vector<int64_t> sizes;
  // Empty tensors stand for omitted inputs (Resize-11 requires scales even with sizes).
  auto known = [&](int i) -> absl::StatusOr<const TensorView*> {
    if (i < 0 || !ctx.has_input(i)) return nullptr;
    return ctx.RequireValue(i);
  };
  if (a->coord == CoordMode::kTfCropAndResize) {
    auto v = known(a->roi_input);
    if (!v.ok()) return v.status();
    if (*v) roi = ReadDoubles(**v);
  }
  auto s = known(a->scales_input);
  if (!s.ok()) return s.status();
  if (*s) scales = ReadDoubles(**s);
  auto z = known(a->sizes_input);
  if (!z.ok()) return z.status();
  if (*z) sizes = ReadInts(**z);
  auto g = ComputeResizeGeometry(*a, ctx.input_shape(0), roi, scales, sizes);
  if (!g.ok()) return ctx.Error(g.status().message());
  if (NumElements(g->out) < 0) return ctx.Error("output is too large");
  ctx.set_output(0, ctx.input_dtype(0), g->out);
  return absl::OkStatus();
}

}  // namespace tensor_resize_ops

void RegisterTensorResizeOps(OpRegistry& r) {
  r.Add({"", "Resize", 10, 1000, tensor_resize_ops::InferResize});
  r.Add({"", "Upsample", 7, 9, tensor_resize_ops::InferResize});
}

}  // namespace socd::graph
