// Shape inference for the elementwise operator group: unary math and activations, broadcasting
// binary and variadic ops, comparisons and logic, Where, Cast/CastLike, Clip, PRelu.
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "graph/op_schema.h"

namespace socd::graph {
namespace elementwise_ops {

absl::Status NeedInputs(const InferContext& ctx, size_t n) {
  if (ctx.num_inputs() < n) {
    return ctx.Error(absl::StrCat("expects ", n, " inputs, got ", ctx.num_inputs()));
  }
  for (size_t i = 0; i < n; ++i) {
    if (!ctx.has_input(i)) return ctx.Error(absl::StrCat("input ", i, " is required"));
  }
  if (ctx.num_outputs() < 1) return ctx.Error("has no output");
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    DType t = ctx.input_dtype(i);
    // Of this group only Equal, Where and Cast/CastLike take strings (their ONNX constraints).
    const std::string& op = ctx.node().op_type;
    if (t == DType::kString && op != "Equal" && op != "Where" && op != "Cast" && op != "CastLike")
      return ctx.Unsupported("string tensors are not supported");
    if (t != DType::kUndefined && DTypeSize(t) == 0) {
      return ctx.Unsupported(absl::StrCat("element type ", DTypeName(t), " is not supported"));
    }
  }
  return absl::OkStatus();
}

absl::Status SameTypes(const InferContext& ctx, size_t first, size_t last) {
  for (size_t i = first + 1; i <= last && i < ctx.num_inputs(); ++i) {
    if (ctx.has_input(i) && ctx.input_dtype(i) != ctx.input_dtype(first)) {
      return ctx.Error(absl::StrCat("inputs ", first, " and ", i, " have different element types (",
                                    DTypeName(ctx.input_dtype(first)), " and ",
                                    DTypeName(ctx.input_dtype(i)), ")"));
    }
  }
  return absl::OkStatus();
}

// Input 1's shape as broadcasting sees it. Before opset 7, Add/Mul/... with broadcast=1 align B
// with A starting at `axis` (default: A's trailing dims); padding B with 1s says the same thing
// in numpy terms. The CPU kernels (elementwise_impl::LegacyBroadcastShape) mirror this.
Shape SecondShape(const InferContext& ctx) {
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  if (ctx.opset() >= 7 || ctx.node().GetInt("broadcast", 0) == 0) return b;
  const int64_t ra = static_cast<int64_t>(a.size()), rb = static_cast<int64_t>(b.size());
  int64_t axis = ctx.node().GetInt("axis", ra - rb);
  if (axis < 0) axis += ra;
  if (axis < 0 || axis + rb > ra) return b;
  Shape s(static_cast<size_t>(ra - axis), 1);
  for (int64_t i = 0; i < rb; ++i) s[i] = b[i];
  return s;
}

absl::Status Unary(InferContext& ctx) {
  if (auto s = NeedInputs(ctx, 1); !s.ok()) return s;
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
  return absl::OkStatus();
}

absl::Status UnaryToBool(InferContext& ctx) {
  if (auto s = NeedInputs(ctx, 1); !s.ok()) return s;
  ctx.set_output(0, DType::kBool, ctx.input_shape(0));
  return absl::OkStatus();
}

absl::Status BroadcastTwo(InferContext& ctx, DType out, bool same_types) {
  if (auto s = NeedInputs(ctx, 2); !s.ok()) return s;
  if (same_types) {
    if (auto s = SameTypes(ctx, 0, 1); !s.ok()) return s;
  }
  auto shape = BroadcastShapes(ctx.input_shape(0), SecondShape(ctx));
  if (!shape.ok()) return ctx.Error(shape.status().message());
  ctx.set_output(0, out, *shape);
  return absl::OkStatus();
}

absl::Status Binary(InferContext& ctx) {
  return BroadcastTwo(ctx, ctx.num_inputs() > 0 ? ctx.input_dtype(0) : DType::kUndefined, true);
}
absl::Status BinaryToBool(InferContext& ctx) { return BroadcastTwo(ctx, DType::kBool, true); }
absl::Status Pow(InferContext& ctx) {
  // Base and exponent types may differ from opset 12 (T and T1); the result has the base's.
  return BroadcastTwo(ctx, ctx.num_inputs() > 0 ? ctx.input_dtype(0) : DType::kUndefined,
                      ctx.opset() < 12);
}

absl::Status PRelu(InferContext& ctx) {
  if (auto s = NeedInputs(ctx, 2); !s.ok()) return s;
  if (auto s = SameTypes(ctx, 0, 1); !s.ok()) return s;
  // The slope broadcasts to X (unidirectionally): the output is X's shape. Before opset 7 a
  // 1-D slope holds one value per channel (axis 1); the CPU kernel aligns it the same way.
  const Shape& x = ctx.input_shape(0);
  Shape slope = ctx.input_shape(1);
  if (ctx.opset() < 7 && slope.size() == 1 && x.size() >= 2 && slope[0] == x[1] && slope[0] != 1) {
    slope.assign(x.size() - 1, 1);
    slope[0] = x[1];
  }
  auto shape = BroadcastShapes(x, slope);
  if (!shape.ok() || *shape != ctx.input_shape(0)) {
    return ctx.Error(absl::StrCat("slope shape ", ShapeToString(ctx.input_shape(1)),
                                  " does not broadcast to input shape ",
                                  ShapeToString(ctx.input_shape(0))));
  }
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
  return absl::OkStatus();
}

absl::Status Variadic(InferContext& ctx) {
  if (auto s = NeedInputs(ctx, 1); !s.ok()) return s;
  Shape out = ctx.input_shape(0);
  for (size_t i = 1; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return ctx.Error(absl::StrCat("input ", i, " is missing"));
    if (auto s = SameTypes(ctx, 0, i); !s.ok()) return s;
    auto shape = BroadcastShapes(out, ctx.input_shape(i));
    if (!shape.ok()) return ctx.Error(shape.status().message());
    out = *shape;
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
  return absl::OkStatus();
}

absl::Status Where(InferContext& ctx) {
  if (auto s = NeedInputs(ctx, 3); !s.ok()) return s;
  if (ctx.input_dtype(0) != DType::kBool) {
    return ctx.Error(absl::StrCat("condition must be bool, got ", DTypeName(ctx.input_dtype(0))));
  }
  if (auto s = SameTypes(ctx, 1, 2); !s.ok()) return s;
  auto xy = BroadcastShapes(ctx.input_shape(1), ctx.input_shape(2));
  if (!xy.ok()) return ctx.Error(xy.status().message());
  auto out = BroadcastShapes(ctx.input_shape(0), *xy);
  if (!out.ok()) return ctx.Error(out.status().message());
  ctx.set_output(0, ctx.input_dtype(1), *out);
  return absl::OkStatus();
}

absl::Status Not(InferContext& ctx) {
  if (auto s = NeedInputs(ctx, 1); !s.ok()) return s;
  if (ctx.input_dtype(0) != DType::kBool) {
    return ctx.Error(absl::StrCat("input must be bool, got ", DTypeName(ctx.input_dtype(0))));
  }
  ctx.set_output(0, DType::kBool, ctx.input_shape(0));
  return absl::OkStatus();
}

absl::Status Clip(InferContext& ctx) {
  if (auto s = NeedInputs(ctx, 1); !s.ok()) return s;
  for (size_t i = 1; i < 3 && i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    if (NumElements(ctx.input_shape(i)) != 1) {
      return ctx.Error(absl::StrCat("input ", i, " (", i == 1 ? "min" : "max",
                                    ") must be a scalar, got shape ",
                                    ShapeToString(ctx.input_shape(i))));
    }
    if (ctx.input_dtype(i) != ctx.input_dtype(0)) {
      return ctx.Error(absl::StrCat("input ", i, " has element type ",
                                    DTypeName(ctx.input_dtype(i)), ", input 0 has ",
                                    DTypeName(ctx.input_dtype(0))));
    }
  }
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
  return absl::OkStatus();
}

absl::StatusOr<DType> CastTarget(const InferContext& ctx) {
  const Node& n = ctx.node();
  if (!n.HasAttr("to")) return ctx.Error("attribute 'to' is required");
  int64_t code = 0;
  if (n.attrs.at("to").kind == Attribute::Kind::kString) {
    // Cast-1 names the type ("FLOAT"); later versions use TensorProto.DataType codes.
    static const std::map<std::string, int64_t> kNames = {
        {"FLOAT", 1},   {"UINT8", 2},   {"INT8", 3},    {"UINT16", 4},   {"INT16", 5},
        {"INT32", 6},   {"INT64", 7},   {"STRING", 8},  {"BOOL", 9},     {"FLOAT16", 10},
        {"DOUBLE", 11}, {"UINT32", 12}, {"UINT64", 13}, {"BFLOAT16", 16}};
    auto it = kNames.find(n.GetString("to", ""));
    if (it == kNames.end()) {
      return ctx.Unsupported(absl::StrCat("cast to type '", n.GetString("to", ""), "'"));
    }
    code = it->second;
  } else {
    code = n.GetInt("to", 0);
  }
  if (code <= 0 || code > 1000 || !IsKnownDType(static_cast<int32_t>(code)) ||
      DTypeSize(static_cast<DType>(code)) == 0) {
    return ctx.Unsupported(absl::StrCat("cast to element type ", code, " is not supported"));
  }
  return static_cast<DType>(code);
}

absl::Status Cast(InferContext& ctx) {
  if (auto s = NeedInputs(ctx, 1); !s.ok()) return s;
  auto to = CastTarget(ctx);
  if (!to.ok()) return to.status();
  ctx.set_output(0, *to, ctx.input_shape(0));
  return absl::OkStatus();
}

absl::Status CastLike(InferContext& ctx) {
  if (auto s = NeedInputs(ctx, 2); !s.ok()) return s;
  ctx.set_output(0, ctx.input_dtype(1), ctx.input_shape(0));
  return absl::OkStatus();
}

}  // namespace elementwise_ops

void RegisterElementwiseOps(OpRegistry& r) {
  namespace e = elementwise_ops;
  for (const char* op :
       {"Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Floor", "Ceil", "Relu", "Tanh",
        "Sigmoid", "LeakyRelu", "Elu", "Selu", "HardSigmoid", "Softplus", "Softsign"}) {
    r.Add({"", op, 1, 1000, e::Unary});
  }
  for (const char* op : {"Sin", "Cos", "Tan", "Asin", "Acos", "Atan"}) {
    r.Add({"", op, 7, 1000, e::Unary});
  }
  for (const char* op : {"Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Erf", "Sign"}) {
    r.Add({"", op, 9, 1000, e::Unary});
  }
  r.Add({"", "ThresholdedRelu", 10, 1000, e::Unary});
  r.Add({"", "Round", 11, 1000, e::Unary});
  r.Add({"", "Celu", 12, 1000, e::Unary});
  r.Add({"", "HardSwish", 14, 1000, e::Unary});
  r.Add({"", "Mish", 18, 1000, e::Unary});
  r.Add({"", "BitwiseNot", 18, 1000, e::Unary});
  r.Add({"", "Gelu", 20, 1000, e::Unary});
  r.Add({"", "Swish", 24, 1000, e::Unary});
  r.Add({"", "Clip", 1, 1000, e::Clip});
  r.Add({"", "IsNaN", 9, 1000, e::UnaryToBool});
  r.Add({"", "IsInf", 10, 1000, e::UnaryToBool});
  r.Add({"", "Not", 1, 1000, e::Not});
  for (const char* op : {"Add", "Sub", "Mul", "Div"}) r.Add({"", op, 1, 1000, e::Binary});
  r.Add({"", "Pow", 1, 1000, e::Pow});
  r.Add({"", "Mod", 10, 1000, e::Binary});
  r.Add({"", "BitShift", 11, 1000, e::Binary});
  for (const char* op : {"BitwiseAnd", "BitwiseOr", "BitwiseXor"}) {
    r.Add({"", op, 18, 1000, e::Binary});
  }
  r.Add({"", "PRelu", 1, 1000, e::PRelu});
  for (const char* op : {"Equal", "Less", "Greater", "And", "Or", "Xor"}) {
    r.Add({"", op, 1, 1000, e::BinaryToBool});
  }
  for (const char* op : {"LessOrEqual", "GreaterOrEqual"}) {
    r.Add({"", op, 12, 1000, e::BinaryToBool});
  }
  for (const char* op : {"Max", "Min", "Sum", "Mean"}) r.Add({"", op, 1, 1000, e::Variadic});
  r.Add({"", "Where", 9, 1000, e::Where});
  r.Add({"", "Cast", 1, 1000, e::Cast});
  r.Add({"", "CastLike", 15, 1000, e::CastLike});
}

}  // namespace socd::graph
