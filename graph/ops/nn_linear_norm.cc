// Shape inference for Gemm, MatMul and the normalization operators.
#include "absl/strings/str_cat.h"
#include "graph/op_schema.h"
#include "graph/passes/fusion.h"

namespace socd::graph {
namespace nn_ops {

absl::Status RequireFloat(const InferContext& ctx, size_t i);  // nn_conv_pool.cc

// True if `from` broadcasts to `to` in one direction (numpy rules, `to` unchanged).
bool BroadcastsTo(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  for (size_t i = 0; i < from.size(); ++i) {
    int64_t f = from[from.size() - 1 - i], t = to[to.size() - 1 - i];
    if (f != t && f != 1) return false;
  }
  return true;
}

absl::Status InferGemm(InferContext& ctx) {
  if (ctx.num_inputs() < 2) return ctx.Error("expects inputs A and B");
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  if (a.size() != 2 || b.size() != 2) {
    return ctx.Error(absl::StrCat("A and B must be matrices, got ", ShapeToString(a), " and ",
                                  ShapeToString(b)));
  }
  if (ctx.input_dtype(0) != ctx.input_dtype(1)) return ctx.Error("A and B differ in type");
  bool ta = ctx.node().GetInt("transA", 0) != 0, tb = ctx.node().GetInt("transB", 0) != 0;
  int64_t m = ta ? a[1] : a[0], k = ta ? a[0] : a[1];
  int64_t kb = tb ? b[1] : b[0], n = tb ? b[0] : b[1];
  if (k != kb) {
    return ctx.Error(absl::StrCat("inner dimensions differ: op(A) is [", m, ",", k, "], op(B) is [",
                                  kb, ",", n, "]"));
  }
  if (ctx.has_input(2)) {
    if (!BroadcastsTo(ctx.input_shape(2), {m, n})) {
      return ctx.Error(absl::StrCat("C ", ShapeToString(ctx.input_shape(2)),
                                    " does not broadcast to [", m, ",", n, "]"));
    }
  } else if (ctx.opset() < 11) {
    return ctx.Error("input C is required before Gemm-11");
  }
  ctx.set_output(0, ctx.input_dtype(0), {m, n});
  return absl::OkStatus();
}

absl::Status InferMatMul(InferContext& ctx) {
  if (ctx.num_inputs() < 2) return ctx.Error("expects inputs A and B");
  if (ctx.input_dtype(0) != ctx.input_dtype(1)) return ctx.Error("A and B differ in type");
  Shape a = ctx.input_shape(0), b = ctx.input_shape(1);
  if (a.empty() || b.empty()) return ctx.Error("A and B must have rank >= 1");
  bool a1 = a.size() == 1, b1 = b.size() == 1;
  if (a1) a.insert(a.begin(), 1);
  if (b1) b.push_back(1);
  if (a[a.size() - 1] != b[b.size() - 2]) {
    return ctx.Error(absl::StrCat("inner dimensions differ: A ", ShapeToString(ctx.input_shape(0)),
                                  ", B ", ShapeToString(ctx.input_shape(1))));
  }
  auto batch = BroadcastShapes(Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2));
  if (!batch.ok()) return ctx.Error(absl::StrCat("batch dims: ", batch.status().message()));
  Shape out = *batch;
  if (!a1) out.push_back(a[a.size() - 2]);
  if (!b1) out.push_back(b.back());
  if (ctx.has_input(kMatMulBiasInput) && ctx.input_shape(kMatMulBiasInput) != Shape{b.back()}) {
    return ctx.Error("fused bias input does not have shape [N]");
  }
  if (ctx.has_input(kMatMulResidualInput) && ctx.input_shape(kMatMulResidualInput) != out) {
    return ctx.Error("fused residual input does not have the output's shape");
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
  return absl::OkStatus();
}

// Per-channel parameters: [C], or (legacy spatial=0) X's shape without the batch dim.
absl::Status CheckChannelParam(const InferContext& ctx, size_t i, const Shape& x, bool spatial) {
  if (!ctx.has_input(i)) return ctx.Error(absl::StrCat("input ", i, " is required"));
  const Shape& p = ctx.input_shape(i);
  Shape want = spatial ? Shape{x[1]} : Shape(x.begin() + 1, x.end());
  if (p != want && p != Shape{x[1]}) {
    return ctx.Error(absl::StrCat("input ", i, " has shape ", ShapeToString(p), ", expected ",
                                  ShapeToString(want)));
  }
  return absl::OkStatus();
}

absl::Status InferBatchNorm(InferContext& ctx) {
  if (ctx.num_inputs() < 5) return ctx.Error("expects X, scale, B, mean and var");
  if (auto s = RequireFloat(ctx, 0); !s.ok()) return s;
  const Shape& x = ctx.input_shape(0);
  if (x.size() < 2) return ctx.Error("X must have rank >= 2");
  bool spatial = ctx.opset() >= 9 || ctx.node().GetInt("spatial", 1) != 0;
  for (size_t i = 1; i < 5; ++i) {
    if (auto s = CheckChannelParam(ctx, i, x, spatial); !s.ok()) return s;
  }
  ctx.set_output(0, ctx.input_dtype(0), x);
  for (size_t o = 1; o < ctx.num_outputs(); ++o) {
    if (ctx.has_output(o)) ctx.set_output(o, ctx.input_dtype(3), ctx.input_shape(3));
  }
  return absl::OkStatus();
}

absl::Status InferInstanceNorm(InferContext& ctx) {
  if (ctx.num_inputs() < 3) return ctx.Error("expects X, scale and B");
  if (auto s = RequireFloat(ctx, 0); !s.ok()) return s;
  const Shape& x = ctx.input_shape(0);
  if (x.size() < 3) return ctx.Error("X must have rank >= 3");
  for (size_t i = 1; i < 3; ++i) {
    if (ctx.input_shape(i) != Shape{x[1]}) {
      return ctx.Error(absl::StrCat("input ", i, " must have shape [", x[1], "]"));
    }
  }
  ctx.set_output(0, ctx.input_dtype(0), x);
  return absl::OkStatus();
}

absl::Status InferLayerNorm(InferContext& ctx) {
  if (ctx.num_inputs() < 2) return ctx.Error("expects X and Scale");
  if (auto s = RequireFloat(ctx, 0); !s.ok()) return s;
  const Shape& x = ctx.input_shape(0);
  int64_t rank = static_cast<int64_t>(x.size());
  auto axis = NormalizeAxis(ctx.node().GetInt("axis", -1), rank, ctx);
  if (!axis.ok()) return axis.status();
  Shape norm(x.begin() + *axis, x.end());
  for (size_t i = 1; i < 3; ++i) {
    if (ctx.has_input(i) && !BroadcastsTo(ctx.input_shape(i), norm)) {
      return ctx.Error(absl::StrCat("input ", i, " ", ShapeToString(ctx.input_shape(i)),
                                    " does not broadcast to ", ShapeToString(norm)));
    }
  }
  ctx.set_output(0, ctx.input_dtype(0), x);
  Shape stat(x.begin(), x.begin() + *axis);
  stat.resize(x.size(), 1);
  for (size_t o = 1; o < 3 && o < ctx.num_outputs(); ++o) {
    if (ctx.has_output(o)) ctx.set_output(o, DType::kFloat32, stat);
  }
  return absl::OkStatus();
}

absl::Status InferGroupNorm(InferContext& ctx) {
  if (ctx.num_inputs() < 3) return ctx.Error("expects X, scale and bias");
  if (auto s = RequireFloat(ctx, 0); !s.ok()) return s;
  const Shape& x = ctx.input_shape(0);
  if (x.size() < 2) return ctx.Error("X must have rank >= 2");
  int64_t groups = ctx.node().GetInt("num_groups", 0);
  if (groups < 1 || x[1] % groups != 0) {
    return ctx.Error(absl::StrCat("num_groups ", groups, " must divide the channels ", x[1]));
  }
  int64_t want = ctx.opset() >= 21 ? x[1] : groups;
  for (size_t i = 1; i < 3; ++i) {
    if (ctx.input_shape(i) != Shape{want}) {
      return ctx.Error(absl::StrCat("input ", i, " must have shape [", want, "]"));
    }
  }
  ctx.set_output(0, ctx.input_dtype(0), x);
  return absl::OkStatus();
}

absl::Status InferLrn(InferContext& ctx) {
  if (auto s = RequireFloat(ctx, 0); !s.ok()) return s;
  if (ctx.input_rank(0) < 2) return ctx.Error("X must have rank >= 2");
  if (ctx.node().GetInt("size", 0) < 1) return ctx.Error("size must be >= 1");
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
  return absl::OkStatus();
}

void RegisterLinearNormOps(OpRegistry& r) {
  r.Add({"", "Gemm", 1, 1000, InferGemm});
  r.Add({"", "MatMul", 1, 1000, InferMatMul});
  r.Add({"", "BatchNormalization", 1, 1000, InferBatchNorm});
  r.Add({"", "InstanceNormalization", 1, 1000, InferInstanceNorm});
  r.Add({"", "LayerNormalization", 17, 1000, InferLayerNorm});
  r.Add({"", "GroupNormalization", 18, 1000, InferGroupNorm});
  r.Add({"", "LRN", 1, 1000, InferLrn});
}

}  // namespace nn_ops
}  // namespace socd::graph
