// Shape inference for the reduce operator group: Reduce*, ArgMax/ArgMin, the softmax family,
// CumSum and TopK.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "graph/op_schema.h"

namespace socd::graph {
namespace reduce_ops {

// Axes of a Reduce* node, normalized and sorted; empty means "none given". Newer opsets pass
// them as input 1, older ones as an attribute; canonicalization may also have moved the
// attribute into an input on an old-opset node, so whichever is present wins.
absl::StatusOr<std::vector<int64_t>> ReduceAxes(const InferContext& ctx, int64_t rank) {
  std::vector<int64_t> axes;
  if (ctx.has_input(1)) {
    if (NumElements(ctx.input_shape(1)) != 0) {  // an empty axes tensor needs no contents
      auto v = ctx.RequireValue(1);
      if (!v.ok()) return v.status();
      if (!IsInteger((*v)->dtype)) return ctx.Error("axes must be an integer tensor");
      for (int64_t i = 0; i < (*v)->numel(); ++i) axes.push_back(ReadInt(**v, i));
    }
  } else {
    axes = ctx.node().GetInts("axes");
  }
  for (int64_t& a : axes) {
    if (a < -rank || a >= rank) {
      return ctx.Error(absl::StrCat("axis ", a, " is out of range for rank ", rank));
    }
    if (a < 0) a += rank;
  }
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

absl::Status InferReduce(InferContext& ctx) {
  DType dt = ctx.input_dtype(0);
  if (dt == DType::kString || dt == DType::kUndefined) {
    return ctx.Error(absl::StrCat("cannot reduce a ", DTypeName(dt), " tensor"));
  }
  const Shape& in = ctx.input_shape(0);
  const int64_t rank = static_cast<int64_t>(in.size());
  auto axes = ReduceAxes(ctx, rank);
  if (!axes.ok()) return axes.status();
  const bool keepdims = ctx.node().GetInt("keepdims", 1) != 0;
  if (axes->empty()) {
    if (ctx.node().GetInt("noop_with_empty_axes", 0) != 0) {
      ctx.set_output(0, dt, in);
      return absl::OkStatus();
    }
    for (int64_t a = 0; a < rank; ++a) axes->push_back(a);
  }
  Shape out;
  size_t next = 0;
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = next < axes->size() && (*axes)[next] == d;
    if (reduced) ++next;
    if (!reduced)
      out.push_back(in[d]);
    else if (keepdims)
      out.push_back(1);
  }
  ctx.set_output(0, dt, out);
  return absl::OkStatus();
}

absl::Status InferArgReduce(InferContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  if (in.empty()) return ctx.Error("input must have rank >= 1");
  auto axis = NormalizeAxis(ctx.node().GetInt("axis", 0), in.size(), ctx);
  if (!axis.ok()) return axis.status();
  if (in[*axis] == 0) return ctx.Error("cannot take the arg-max/min of an empty axis");
  Shape out;
  for (size_t d = 0; d < in.size(); ++d) {
    if (static_cast<int64_t>(d) != *axis)
      out.push_back(in[d]);
    else if (ctx.node().GetInt("keepdims", 1) != 0)
      out.push_back(1);
  }
  ctx.set_output(0, DType::kInt64, out);
  return absl::OkStatus();
}

// Softmax/LogSoftmax/Hardmax: opset < 13 flattens to 2-D at `axis` (default 1, and axis == rank
// is allowed); opset >= 13 works along one axis (default -1).
absl::Status InferSoftmax(InferContext& ctx) {
  DType dt = ctx.input_dtype(0);
  if (!IsFloat(dt))
    return ctx.Error(absl::StrCat("input must be floating point, not ", DTypeName(dt)));
  const int64_t rank = ctx.input_rank(0);
  const bool old = ctx.opset() < 13;
  int64_t axis = ctx.node().GetInt("axis", old ? 1 : -1);
  int64_t hi = old ? std::max<int64_t>(rank, 1) : std::max<int64_t>(rank - 1, 0);
  if (axis < -rank || axis > hi) {
    return ctx.Error(absl::StrCat("axis ", axis, " is out of range for rank ", rank));
  }
  ctx.set_output(0, dt, ctx.input_shape(0));
  return absl::OkStatus();
}

absl::Status InferCumSum(InferContext& ctx) {
  if (!ctx.has_input(1)) return ctx.Error("the axis input is required");
  if (NumElements(ctx.input_shape(1)) != 1 || !IsInteger(ctx.input_dtype(1))) {
    return ctx.Error("axis must be an integer scalar");
  }
  if (ctx.input_rank(0) == 0) return ctx.Error("input must have rank >= 1");
  if (const TensorView* a = ctx.input_value(1)) {
    auto axis = NormalizeAxis(ReadInt(*a, 0), ctx.input_rank(0), ctx);
    if (!axis.ok()) return axis.status();
  }
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
  return absl::OkStatus();
}

absl::Status InferTopK(InferContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  if (in.empty()) return ctx.Error("input must have rank >= 1");
  auto axis = NormalizeAxis(ctx.node().GetInt("axis", -1), in.size(), ctx);
  if (!axis.ok()) return axis.status();
  int64_t k = 0;
  if (ctx.opset() < 10) {
    if (!ctx.node().HasAttr("k")) return ctx.Error("attribute k is required");
    k = ctx.node().GetInt("k", 0);
  } else {
    auto v = ctx.RequireValue(1);
    if (!v.ok()) return v.status();
    if ((*v)->numel() != 1 || !IsInteger((*v)->dtype)) {
      return ctx.Error("K must be a 1-element integer tensor");
    }
    k = ReadInt(**v, 0);
  }
  if (k < 0 || k > in[*axis]) {
    return ctx.Error(absl::StrCat("k = ", k, " is out of range for axis of size ", in[*axis]));
  }
  Shape out = in;
  out[*axis] = k;
  ctx.set_output(0, ctx.input_dtype(0), out);
  if (ctx.has_output(1)) ctx.set_output(1, DType::kInt64, out);
  return absl::OkStatus();
}

}  // namespace reduce_ops

void RegisterReduceOps(OpRegistry& r) {
  for (const char* op :
       {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
        "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"}) {
    r.Add({"", op, 1, 1000, reduce_ops::InferReduce});
  }
  r.Add({"", "ArgMax", 1, 1000, reduce_ops::InferArgReduce});
  r.Add({"", "ArgMin", 1, 1000, reduce_ops::InferArgReduce});
  for (const char* op : {"Softmax", "LogSoftmax", "Hardmax"}) {
    r.Add({"", op, 1, 1000, reduce_ops::InferSoftmax});
  }
  r.Add({"", "CumSum", 11, 1000, reduce_ops::InferCumSum});
  r.Add({"", "TopK", 1, 1000, reduce_ops::InferTopK});
}

}  // namespace socd::graph
