// Shape inference for the string operators: StringConcat, RegexFullMatch, StringSplit and
// StringNormalizer. The last two have data-dependent output shapes (they need the strings).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "graph/op_schema.h"
#include "graph/ops/string_params.h"
#include "graph/string_store.h"

namespace socd::graph {
namespace string_ops {

absl::Status NeedStrings(const InferContext& ctx, size_t n) {
  if (ctx.num_inputs() < n || ctx.num_outputs() < 1)
    return ctx.Error(absl::StrCat("expects ", n, " inputs and an output"));
  for (size_t i = 0; i < n; ++i) {
    if (!ctx.has_input(i)) return ctx.Error(absl::StrCat("input ", i, " is required"));
    if (ctx.input_dtype(i) != DType::kString)
      return ctx.Error(absl::StrCat("input ", i, " must be a string tensor, got ",
                                    DTypeName(ctx.input_dtype(i))));
  }
  return absl::OkStatus();
}

absl::Status InferStringConcat(InferContext& ctx) {
  if (auto s = NeedStrings(ctx, 2); !s.ok()) return s;
  auto shape = BroadcastShapes(ctx.input_shape(0), ctx.input_shape(1));
  if (!shape.ok()) return ctx.Error(shape.status().message());
  ctx.set_output(0, DType::kString, *shape);
  return absl::OkStatus();
}

absl::Status InferRegexFullMatch(InferContext& ctx) {
  if (auto s = NeedStrings(ctx, 1); !s.ok()) return s;
  if (!ctx.node().HasAttr("pattern")) return ctx.Error("attribute 'pattern' is required");
  ctx.set_output(0, DType::kBool, ctx.input_shape(0));
  return absl::OkStatus();
}

absl::Status InferStringSplit(InferContext& ctx) {
  if (auto s = NeedStrings(ctx, 1); !s.ok()) return s;
  const std::string delim = ctx.node().GetString("delimiter", "");
  const int64_t maxsplit = ctx.node().GetInt("maxsplit", -1);
  if (ctx.node().HasAttr("maxsplit") && maxsplit < 0)
    return ctx.Error("maxsplit must not be negative");
  auto x = ctx.RequireValue(0);  // Y's last dim is the largest number of pieces
  if (!x.ok()) return x.status();
  int64_t most = 0;
  for (int64_t i = 0; i < (*x)->numel(); ++i) {
    most = std::max<int64_t>(
        most, string_params::SplitLikePython(StringAt(**x, i), delim, maxsplit).size());
  }
  Shape y = ctx.input_shape(0);
  y.push_back(most);
  ctx.set_output(0, DType::kString, y);
  ctx.set_output(1, DType::kInt64, ctx.input_shape(0));
  return absl::OkStatus();
}

absl::Status InferStringNormalizer(InferContext& ctx) {
  if (auto s = NeedStrings(ctx, 1); !s.ok()) return s;
  auto norm = string_params::Normalizer::FromNode(ctx.node());
  if (!norm.ok()) {
    return norm.status().code() == absl::StatusCode::kUnimplemented
               ? ctx.Unsupported(norm.status().message())
               : ctx.Error(norm.status().message());
  }
  const Shape& in = ctx.input_shape(0);
  if (in.size() != 1 && in.size() != 2) return ctx.Error("input must be 1-D [C] or 2-D [N, C]");
  if (in.size() == 2 && in[0] != 1) {  // nothing is dropped: the shape is known
    ctx.set_output(0, DType::kString, in);
    return absl::OkStatus();
  }
  auto x = ctx.RequireValue(0);
  if (!x.ok()) return x.status();
  auto shape = string_params::NormalizedShape(*norm, **x, nullptr, nullptr);
  if (!shape.ok()) {
    return shape.status().code() == absl::StatusCode::kUnimplemented
               ? ctx.Unsupported(shape.status().message())
               : ctx.Error(shape.status().message());
  }
  ctx.set_output(0, DType::kString, *shape);
  return absl::OkStatus();
}

}  // namespace string_ops

void RegisterStringOps(OpRegistry& r) {
  namespace s = string_ops;
  r.Add({"", "StringConcat", 20, 1000, s::InferStringConcat});
  r.Add({"", "RegexFullMatch", 20, 1000, s::InferRegexFullMatch});
  r.Add({"", "StringSplit", 20, 1000, s::InferStringSplit});
  r.Add({"", "StringNormalizer", 10, 1000, s::InferStringNormalizer});
}

}  // namespace socd::graph
