// Shape inference for the quant operator group: QuantizeLinear, DequantizeLinear,
// DynamicQuantizeLinear, MatMulInteger, QLinearMatMul, ConvInteger, QLinearConv.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "graph/op_schema.h"
#include "graph/ops/nn_geometry.h"

namespace socd::graph {
namespace quant_ops {

// Scale (and zero point) layouts: one element (per tensor), a 1-D vector along `axis` (per
// axis, opset >= 13), or x's shape with `axis` divided into blocks (blocked, opset >= 21).
absl::Status CheckScaleShape(const InferContext& ctx, const Shape& x, size_t input) {
  const Shape& s = ctx.input_shape(input);
  if (NumElements(s) == 1) return absl::OkStatus();
  const int64_t rank = static_cast<int64_t>(x.size());
  auto axis = NormalizeAxis(ctx.node().GetInt("axis", 1), rank, ctx);
  if (!axis.ok()) return axis.status();
  const int64_t block = ctx.node().GetInt("block_size", 0);
  if (block < 0) return ctx.Error("block_size must be >= 0");
  if (block == 0) {
    if (s.size() == 1 && *axis < rank && s[0] == x[*axis]) return absl::OkStatus();
    return ctx.Error(absl::StrCat("input ", input, " has shape ", ShapeToString(s),
                                  "; per-axis quantization along axis ", *axis, " of ",
                                  ShapeToString(x), " needs one value per slice"));
  }
  bool ok = static_cast<int64_t>(s.size()) == rank;
  for (int64_t d = 0; ok && d < rank; ++d) {
    ok = d == *axis ? s[d] == (x[d] + block - 1) / block : s[d] == x[d];
  }
  if (!ok) {
    return ctx.Error(absl::StrCat("input ", input, " has shape ", ShapeToString(s),
                                  ", which does not block ", ShapeToString(x), " along axis ",
                                  *axis, " with block_size ", block));
  }
  return absl::OkStatus();
}

absl::Status CheckZeroPoint(const InferContext& ctx, size_t scale, size_t zp) {
  if (!ctx.has_input(zp)) return absl::OkStatus();
  if (NumElements(ctx.input_shape(zp)) != NumElements(ctx.input_shape(scale))) {
    return ctx.Error(absl::StrCat("zero point shape ", ShapeToString(ctx.input_shape(zp)),
                                  " does not match scale shape ",
                                  ShapeToString(ctx.input_shape(scale))));
  }
  return absl::OkStatus();
}

absl::Status InferQuantize(InferContext& ctx) {
  const int64_t out_attr = ctx.node().GetInt("output_dtype", 0);
  if (out_attr != 0 && !IsKnownDType(static_cast<int32_t>(out_attr))) {
    return ctx.Unsupported(absl::StrCat("output_dtype ", out_attr));
  }
  DType out = out_attr != 0 ? static_cast<DType>(out_attr) : DType::kUInt8;
  if (ctx.has_input(2)) {
    if (out_attr != 0 && ctx.input_dtype(2) != out) {
      return ctx.Error("output_dtype does not match the zero point's type");
    }
    out = ctx.input_dtype(2);
  }
  if (!IsFloat(ctx.input_dtype(1))) return ctx.Error("y_scale must be floating point");
  if (auto s = CheckScaleShape(ctx, ctx.input_shape(0), 1); !s.ok()) return s;
  if (auto s = CheckZeroPoint(ctx, 1, 2); !s.ok()) return s;
  ctx.set_output(0, out, ctx.input_shape(0));
  return absl::OkStatus();
}

absl::Status InferDequantize(InferContext& ctx) {
  if (!IsFloat(ctx.input_dtype(1))) return ctx.Error("x_scale must be floating point");
  if (ctx.has_input(2) && ctx.input_dtype(2) != ctx.input_dtype(0)) {
    return ctx.Error("x and x_zero_point have different types");
  }
  if (auto s = CheckScaleShape(ctx, ctx.input_shape(0), 1); !s.ok()) return s;
  if (auto s = CheckZeroPoint(ctx, 1, 2); !s.ok()) return s;
  const int64_t out_attr = ctx.node().GetInt("output_dtype", 0);
  if (out_attr != 0 && !IsKnownDType(static_cast<int32_t>(out_attr))) {
    return ctx.Unsupported(absl::StrCat("output_dtype ", out_attr));
  }
  ctx.set_output(0, out_attr != 0 ? static_cast<DType>(out_attr) : ctx.input_dtype(1),
                 ctx.input_shape(0));
  return absl::OkStatus();
}

absl::Status InferDynamicQuantize(InferContext& ctx) {
  if (ctx.input_dtype(0) != DType::kFloat32) return ctx.Error("x must be float32");
  ctx.set_output(0, DType::kUInt8, ctx.input_shape(0));
  if (ctx.has_output(1)) ctx.set_output(1, DType::kFloat32, {});
  if (ctx.has_output(2)) ctx.set_output(2, DType::kUInt8, {});
  return absl::OkStatus();
}

// numpy matmul shapes: 1-D operands are promoted and the promoted dim dropped again.
absl::StatusOr<Shape> MatMulShape(const InferContext& ctx, size_t ia, size_t ib) {
  Shape a = ctx.input_shape(ia), b = ctx.input_shape(ib);
  if (a.empty() || b.empty()) return ctx.Error("matmul operands must have rank >= 1");
  const bool a1 = a.size() == 1, b1 = b.size() == 1;
  if (a1) a.insert(a.begin(), 1);
  if (b1) b.push_back(1);
  if (a.back() != b[b.size() - 2]) {
    return ctx.Error(absl::StrCat("inner dimensions differ: ", ShapeToString(ctx.input_shape(ia)),
                                  " x ", ShapeToString(ctx.input_shape(ib))));
  }
  auto batch = BroadcastShapes(Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2));
  if (!batch.ok()) return ctx.Error(batch.status().message());
  Shape out = *batch;
  if (!a1) out.push_back(a[a.size() - 2]);
  if (!b1) out.push_back(b.back());
  return out;
}

absl::Status Check8Bit(const InferContext& ctx, std::initializer_list<size_t> inputs) {
  for (size_t i : inputs) {
    DType t = ctx.input_dtype(i);
    if (t != DType::kUInt8 && t != DType::kInt8) {
      return ctx.Error(absl::StrCat("input ", i, " must be int8 or uint8, not ", DTypeName(t)));
    }
  }
  return absl::OkStatus();
}

absl::Status InferMatMulInteger(InferContext& ctx) {
  if (auto s = Check8Bit(ctx, {0, 1}); !s.ok()) return s;
  auto out = MatMulShape(ctx, 0, 1);
  if (!out.ok()) return out.status();
  ctx.set_output(0, DType::kInt32, *out);
  return absl::OkStatus();
}

absl::Status InferQLinearMatMul(InferContext& ctx) {
  if (auto s = Check8Bit(ctx, {0, 3}); !s.ok()) return s;
  auto out = MatMulShape(ctx, 0, 3);
  if (!out.ok()) return out.status();
  ctx.set_output(0, ctx.has_input(7) ? ctx.input_dtype(7) : ctx.input_dtype(0), *out);
  return absl::OkStatus();
}

// Conv output shape from x (N, C, spatial...) and w (M, C/group, kernel...).
absl::StatusOr<Shape> ConvShape(const InferContext& ctx, size_t ix, size_t iw) {
  const Shape& x = ctx.input_shape(ix);
  const Shape& w = ctx.input_shape(iw);
  if (x.size() < 3 || w.size() != x.size()) {
    return ctx.Error(absl::StrCat("x ", ShapeToString(x), " and w ", ShapeToString(w),
                                  " must both be (N, C, spatial...) of the same rank"));
  }
  const int64_t group = ctx.node().GetInt("group", 1);
  if (group < 1 || x[1] != w[1] * group || w[0] % group != 0) {
    return ctx.Error(absl::StrCat("channels do not match: x ", ShapeToString(x), ", w ",
                                  ShapeToString(w), ", group ", group));
  }
  std::vector<int64_t> in(x.begin() + 2, x.end()), kernel(w.begin() + 2, w.end());
  std::vector<int64_t> ks = ctx.node().GetInts("kernel_shape");
  if (!ks.empty() && ks != kernel) return ctx.Error("kernel_shape does not match w");
  auto g = ComputeWindow(ctx.node(), in, kernel, false);
  if (!g.ok()) return g.status();
  Shape out{x[0], w[0]};
  out.insert(out.end(), g->out.begin(), g->out.end());
  return out;
}

absl::Status InferConvInteger(InferContext& ctx) {
  if (auto s = Check8Bit(ctx, {0, 1}); !s.ok()) return s;
  auto out = ConvShape(ctx, 0, 1);
  if (!out.ok()) return out.status();
  ctx.set_output(0, DType::kInt32, *out);
  return absl::OkStatus();
}

absl::Status InferQLinearConv(InferContext& ctx) {
  if (auto s = Check8Bit(ctx, {0, 3}); !s.ok()) return s;
  if (!ctx.has_input(7)) return ctx.Error("y_zero_point is required");
  auto out = ConvShape(ctx, 0, 3);
  if (!out.ok()) return out.status();
  ctx.set_output(0, ctx.input_dtype(7), *out);
  return absl::OkStatus();
}

}  // namespace quant_ops

void RegisterQuantOps(OpRegistry& r) {
  r.Add({"", "QuantizeLinear", 10, 1000, quant_ops::InferQuantize});
  r.Add({"", "DequantizeLinear", 10, 1000, quant_ops::InferDequantize});
  r.Add({"", "DynamicQuantizeLinear", 11, 1000, quant_ops::InferDynamicQuantize});
  r.Add({"", "MatMulInteger", 10, 1000, quant_ops::InferMatMulInteger});
  r.Add({"", "QLinearMatMul", 10, 1000, quant_ops::InferQLinearMatMul});
  r.Add({"", "ConvInteger", 10, 1000, quant_ops::InferConvInteger});
  r.Add({"", "QLinearConv", 10, 1000, quant_ops::InferQLinearConv});
}

}  // namespace socd::graph
