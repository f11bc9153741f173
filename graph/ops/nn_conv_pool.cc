// Shape inference for Conv, ConvTranspose and the pooling operators.
#include "absl/strings/str_cat.h"
#include "graph/op_schema.h"
#include "graph/ops/nn_geometry.h"
#include "graph/passes/fusion.h"

namespace socd::graph {
namespace nn_ops {

absl::Status RequireFloat(const InferContext& ctx, size_t i) {
  if (!IsFloat(ctx.input_dtype(i))) {
    return ctx.Error(
        absl::StrCat("input ", i, " must be a float tensor, got ", DTypeName(ctx.input_dtype(i))));
  }
  return absl::OkStatus();
}

absl::Status RequireSpatial(const InferContext& ctx, size_t i) {
  if (ctx.input_rank(i) < 3) {
    return ctx.Error(absl::StrCat("input ", i, " must be N x C x D1 x ... (rank >= 3), got shape ",
                                  ShapeToString(ctx.input_shape(i))));
  }
  return absl::OkStatus();
}

std::vector<int64_t> SpatialDims(const Shape& s) { return {s.begin() + 2, s.end()}; }

absl::Status InferConv(InferContext& ctx) {
  if (ctx.num_inputs() < 2 || !ctx.has_input(1)) return ctx.Error("expects inputs X and W");
  if (auto s = RequireFloat(ctx, 0); !s.ok()) return s;
  if (auto s = RequireSpatial(ctx, 0); !s.ok()) return s;
  const Shape& x = ctx.input_shape(0);
  const Shape& w = ctx.input_shape(1);
  if (ctx.input_dtype(1) != ctx.input_dtype(0)) return ctx.Error("X and W differ in type");
  if (w.size() != x.size()) {
    return ctx.Error(absl::StrCat("W has shape ", ShapeToString(w), ", expected rank ", x.size(),
                                  " like X ", ShapeToString(x)));
  }
  int64_t group = ctx.node().GetInt("group", 1);
  if (group < 1 || x[1] % group != 0 || w[0] % group != 0 || w[1] * group != x[1]) {
    return ctx.Error(absl::StrCat("group ", group, " does not fit X ", ShapeToString(x), " and W ",
                                  ShapeToString(w),
                                  " (need C = W.shape[1] * group and M divisible by group)"));
  }
  std::vector<int64_t> kernel = SpatialDims(w);
  std::vector<int64_t> ks = ctx.node().GetInts("kernel_shape");
  if (!ks.empty() && ks != kernel) {
    return ctx.Error(absl::StrCat("kernel_shape does not match W ", ShapeToString(w)));
  }
  if (ctx.has_input(2)) {
    const Shape& b = ctx.input_shape(2);
    if (b.size() != 1 || b[0] != w[0]) {
      return ctx.Error(
          absl::StrCat("bias B has shape ", ShapeToString(b), ", expected [", w[0], "]"));
    }
  }
  auto g = ComputeWindow(ctx.node(), SpatialDims(x), kernel, false);
  if (!g.ok()) return g.status();
  Shape out = {x[0], w[0]};
  out.insert(out.end(), g->out.begin(), g->out.end());
  if (ctx.has_input(kConvResidualInput) && ctx.input_shape(kConvResidualInput) != out) {
    return ctx.Error("fused residual input does not have the output's shape");
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
  return absl::OkStatus();
}

absl::Status InferConvTranspose(InferContext& ctx) {
  if (ctx.num_inputs() < 2 || !ctx.has_input(1)) return ctx.Error("expects inputs X and W");
  if (auto s = RequireFloat(ctx, 0); !s.ok()) return s;
  if (auto s = RequireSpatial(ctx, 0); !s.ok()) return s;
  const Shape& x = ctx.input_shape(0);
  const Shape& w = ctx.input_shape(1);
  if (w.size() != x.size()) {
    return ctx.Error(absl::StrCat("W has shape ", ShapeToString(w), ", expected rank ", x.size()));
  }
  int64_t group = ctx.node().GetInt("group", 1);
  if (group < 1 || x[1] % group != 0 || w[0] != x[1]) {
    return ctx.Error(absl::StrCat("group ", group, " does not fit X ", ShapeToString(x), " and W ",
                                  ShapeToString(w), " (need W.shape[0] = C)"));
  }
  std::vector<int64_t> kernel = SpatialDims(w);
  std::vector<int64_t> ks = ctx.node().GetInts("kernel_shape");
  if (!ks.empty() && ks != kernel) {
    return ctx.Error(absl::StrCat("kernel_shape does not match W ", ShapeToString(w)));
  }
  int64_t m = w[1] * group;
  if (ctx.has_input(2) && ctx.input_shape(2) != Shape{m}) {
    return ctx.Error(absl::StrCat("bias B has shape ", ShapeToString(ctx.input_shape(2)),
                                  ", expected [", m, "]"));
  }
  auto g = ComputeTransposeWindow(ctx.node(), SpatialDims(x), kernel);
  if (!g.ok()) return g.status();
  Shape out = {x[0], m};
  out.insert(out.end(), g->out.begin(), g->out.end());
  ctx.set_output(0, ctx.input_dtype(0), out);
  return absl::OkStatus();
}

absl::StatusOr<Shape> PoolOutput(InferContext& ctx, bool has_ceil_mode) {
  if (auto s = RequireSpatial(ctx, 0); !s.ok()) return s;
  const Shape& x = ctx.input_shape(0);
  std::vector<int64_t> kernel = ctx.node().GetInts("kernel_shape");
  if (kernel.empty()) return ctx.Error("kernel_shape is required");
  bool ceil_mode = has_ceil_mode && ctx.node().GetInt("ceil_mode", 0) != 0;
  auto g = ComputeWindow(ctx.node(), SpatialDims(x), kernel, ceil_mode);
  if (!g.ok()) return g.status();
  Shape out = {x[0], x[1]};
  out.insert(out.end(), g->out.begin(), g->out.end());
  return out;
}

absl::Status InferMaxPool(InferContext& ctx) {
  DType dt = ctx.input_dtype(0);
  if (!IsFloat(dt) && dt != DType::kInt8 && dt != DType::kUInt8) {
    return ctx.Error(absl::StrCat("X must be float, int8 or uint8, got ", DTypeName(dt)));
  }
  auto out = PoolOutput(ctx, ctx.opset() >= 10);
  if (!out.ok()) return out.status();
  int64_t so = ctx.node().GetInt("storage_order", 0);
  if (so != 0 && so != 1) return ctx.Error("storage_order must be 0 or 1");
  ctx.set_output(0, dt, *out);
  if (ctx.has_output(1)) ctx.set_output(1, DType::kInt64, *out);
  return absl::OkStatus();
}

absl::Status InferAvgPool(InferContext& ctx) {
  if (auto s = RequireFloat(ctx, 0); !s.ok()) return s;
  if (ctx.opset() < 19 && ctx.node().HasAttr("dilations")) {
    return ctx.Error("dilations is only defined from AveragePool-19");
  }
  auto out = PoolOutput(ctx, ctx.opset() >= 10);
  if (!out.ok()) return out.status();
  ctx.set_output(0, ctx.input_dtype(0), *out);
  return absl::OkStatus();
}

absl::Status InferLpPool(InferContext& ctx) {
  if (auto s = RequireFloat(ctx, 0); !s.ok()) return s;
  auto out = PoolOutput(ctx, ctx.opset() >= 18);
  if (!out.ok()) return out.status();
  ctx.set_output(0, ctx.input_dtype(0), *out);
  return absl::OkStatus();
}

absl::Status InferGlobalPool(InferContext& ctx) {
  if (auto s = RequireFloat(ctx, 0); !s.ok()) return s;
  if (ctx.input_rank(0) < 2) return ctx.Error("X must have rank >= 2");
  Shape out = ctx.input_shape(0);
  for (size_t i = 2; i < out.size(); ++i) out[i] = 1;
  ctx.set_output(0, ctx.input_dtype(0), out);
  return absl::OkStatus();
}

void RegisterConvPoolOps(OpRegistry& r) {
  r.Add({"", "Conv", 1, 1000, InferConv});
  r.Add({"", "ConvTranspose", 1, 1000, InferConvTranspose});
  r.Add({"", "MaxPool", 1, 1000, InferMaxPool});
  r.Add({"", "AveragePool", 1, 1000, InferAvgPool});
  r.Add({"", "LpPool", 1, 1000, InferLpPool});
  r.Add({"", "GlobalAveragePool", 1, 1000, InferGlobalPool});
  r.Add({"", "GlobalMaxPool", 1, 1000, InferGlobalPool});
  r.Add({"", "GlobalLpPool", 2, 1000, InferGlobalPool});
}

}  // namespace nn_ops
}  // namespace socd::graph
