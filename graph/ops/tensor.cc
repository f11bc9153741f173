// Shape inference for the tensor operator group: the ops that only relabel a tensor's shape
// (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout at inference) and Shape / Size.
// The other groups live in tensor_index.cc, tensor_create.cc and tensor_resize.cc.
#include "absl/strings/str_cat.h"
#include "graph/op_schema.h"
#include "graph/ops/tensor_params.h"

namespace socd::graph {
namespace tensor_shape_ops {

using tensor_params::InputInts;

absl::Status CheckData(const InferContext& ctx) {
  if (DTypeSize(ctx.input_dtype(0)) == 0) {
    return ctx.Unsupported(absl::StrCat("element type ", DTypeName(ctx.input_dtype(0))));
  }
  return absl::OkStatus();
}

absl::Status Finish(InferContext& ctx, const absl::StatusOr<Shape>& s) {
  if (!s.ok()) return ctx.Error(s.status().message());
  ctx.set_output(0, ctx.input_dtype(0), *s);
  return absl::OkStatus();
}

absl::Status InferReshape(InferContext& ctx) {
  if (auto s = CheckData(ctx); !s.ok()) return s;
  std::vector<int64_t> spec;
  if (ctx.opset() < 5) {
    if (!ctx.node().HasAttr("shape")) return ctx.Error("attribute 'shape' is required");
    spec = ctx.node().GetInts("shape");
  } else {
    auto v = InputInts(ctx, 1);
    if (!v.ok()) return v.status();
    if (!*v) return ctx.Error("input 1 (shape) is required");
    spec = **v;
  }
  bool allowzero = ctx.opset() >= 14 && ctx.node().GetInt("allowzero", 0) != 0;
  return Finish(ctx, tensor_params::ReshapeOutput(ctx.input_shape(0), spec, allowzero));
}

absl::Status InferFlatten(InferContext& ctx) {
  if (auto s = CheckData(ctx); !s.ok()) return s;
  return Finish(ctx,
                tensor_params::FlattenOutput(ctx.input_shape(0), ctx.node().GetInt("axis", 1)));
}

absl::Status InferSqueeze(InferContext& ctx) {
  if (auto s = CheckData(ctx); !s.ok()) return s;
  std::optional<std::vector<int64_t>> axes;
  if (ctx.opset() < 13) {
    if (ctx.node().HasAttr("axes")) axes = ctx.node().GetInts("axes");
  } else {
    auto v = InputInts(ctx, 1);
    if (!v.ok()) return v.status();
    if (*v && !(*v)->empty()) axes = *v;  // an empty axes tensor squeezes all, as ORT
  }
  return Finish(ctx, tensor_params::SqueezeOutput(ctx.input_shape(0), axes));
}

absl::Status InferUnsqueeze(InferContext& ctx) {
  if (auto s = CheckData(ctx); !s.ok()) return s;
  std::vector<int64_t> axes;
  if (ctx.opset() < 13) {
    if (!ctx.node().HasAttr("axes")) return ctx.Error("attribute 'axes' is required");
    axes = ctx.node().GetInts("axes");
  } else {
    auto v = InputInts(ctx, 1);
    if (!v.ok()) return v.status();
    if (!*v) return ctx.Error("input 1 (axes) is required");
    axes = **v;
  }
  return Finish(ctx, tensor_params::UnsqueezeOutput(ctx.input_shape(0), axes));
}

absl::Status InferIdentity(InferContext& ctx) {
  if (auto s = CheckData(ctx); !s.ok()) return s;
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
  return absl::OkStatus();
}

absl::Status InferDropout(InferContext& ctx) {
  if (auto s = CheckData(ctx); !s.ok()) return s;
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
  if (ctx.has_output(1)) {
    ctx.set_output(1, ctx.opset() >= 10 ? DType::kBool : ctx.input_dtype(0), ctx.input_shape(0));
  }
  return absl::OkStatus();
}

absl::Status InferShape(InferContext& ctx) {
  int64_t r = static_cast<int64_t>(ctx.input_rank(0));
  int64_t b = 0, e = r;
  if (ctx.opset() >= 15) {
    std::optional<int64_t> end;
    if (ctx.node().HasAttr("end")) end = ctx.node().GetInt("end", r);
    tensor_params::ShapeRange(r, ctx.node().GetInt("start", 0), end, &b, &e);
  }
  ctx.set_output(0, DType::kInt64, {e - b});
  return absl::OkStatus();
}

absl::Status InferSize(InferContext& ctx) {
  ctx.set_output(0, DType::kInt64, {});
  return absl::OkStatus();
}

}  // namespace tensor_shape_ops

void RegisterTensorShapeOps(OpRegistry& r) {
  using namespace tensor_shape_ops;  // NOLINT: registration table only
  r.Add({"", "Reshape", 1, 1000, InferReshape, true});
  r.Add({"", "Flatten", 1, 1000, InferFlatten, true});
  r.Add({"", "Squeeze", 1, 1000, InferSqueeze, true});
  r.Add({"", "Unsqueeze", 1, 1000, InferUnsqueeze, true});
  r.Add({"", "Identity", 1, 1000, InferIdentity, true});
  r.Add({"", "Dropout", 1, 1000, InferDropout, true});
  r.Add({"", "Shape", 1, 1000, InferShape});
  r.Add({"", "Size", 1, 1000, InferSize});
}

void RegisterTensorOps(OpRegistry& r) {
  RegisterTensorShapeOps(r);
  RegisterTensorIndexOps(r);
  RegisterTensorCreateOps(r);
  RegisterTensorResizeOps(r);
}

}  // namespace socd::graph
