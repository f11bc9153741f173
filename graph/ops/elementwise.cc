// Shape inference for the elementwise operator group.
#include "graph/op_schema.h"

namespace socd::graph {
namespace {

absl::Status SameAsInput0(InferContext& ctx) {
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
  return absl::OkStatus();
}

absl::Status Broadcast2(InferContext& ctx) {
  if (ctx.input_dtype(0) != ctx.input_dtype(1)) {
    return ctx.Error("inputs have different element types");
  }
  auto s = BroadcastShapes(ctx.input_shape(0), ctx.input_shape(1));
  if (!s.ok()) return ctx.Error(s.status().message());
  ctx.set_output(0, ctx.input_dtype(0), *s);
  return absl::OkStatus();
}

}  // namespace

void RegisterElementwiseOps(OpRegistry& r) {
  r.Add({"", "Relu", 6, 1000, SameAsInput0});
  r.Add({"", "Add", 7, 1000, Broadcast2});
}

}  // namespace socd::graph
