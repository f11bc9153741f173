// Shape inference for the sequence and optional operators (graph/sequence_type.h). Container
// outputs are kHandle scalars, known while planning. A tensor taken out of a container
// (SequenceAt, ConcatFromSequence, OptionalGetElement) has the shape of what the container
// holds at run time: these ops need the handle's value (NeedsValue while planning; the CPU
// partition's dynamic path passes the live handle, which is read here).
#include "absl/strings/str_cat.h"
#include "graph/op_schema.h"
#include "graph/sequence_type.h"

namespace socd::graph {
namespace sequence_ops {

absl::Status SetHandle(InferContext& ctx) {
  ctx.set_output(0, DType::kHandle, {});
  return absl::OkStatus();
}

absl::Status NeedHandle(const InferContext& ctx, size_t i) {
  if (!ctx.has_input(i) || ctx.input_dtype(i) != DType::kHandle)
    return ctx.Error(absl::StrCat("input ", i, " must be a sequence"));
  return absl::OkStatus();
}

// The object behind handle input i, or NeedsValue while planning.
absl::StatusOr<const HandleObject*> LiveObject(const InferContext& ctx, size_t i) {
  auto v = ctx.RequireValue(i);
  if (!v.ok()) return v.status();
  return ReadHandle(**v);
}

absl::Status InferSequenceEmpty(InferContext& ctx) { return SetHandle(ctx); }

absl::Status InferSequenceConstruct(InferContext& ctx) {
  if (ctx.num_inputs() < 1) return ctx.Error("expects at least one input");
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (ctx.input_dtype(i) != ctx.input_dtype(0) || ctx.input_dtype(i) == DType::kHandle)
      return ctx.Error("inputs must be tensors of one element type");
  }
  return SetHandle(ctx);
}

absl::Status InferSequenceInsert(InferContext& ctx) {
  if (auto s = NeedHandle(ctx, 0); !s.ok()) return s;
  if (!ctx.has_input(1) || ctx.input_dtype(1) == DType::kHandle)
    return ctx.Error("input 1 must be a tensor");
  return SetHandle(ctx);
}

absl::Status InferSequenceErase(InferContext& ctx) {
  if (auto s = NeedHandle(ctx, 0); !s.ok()) return s;
  return SetHandle(ctx);
}

absl::Status InferSequenceLength(InferContext& ctx) {
  if (auto s = NeedHandle(ctx, 0); !s.ok()) return s;
  ctx.set_output(0, DType::kInt64, {});
  return absl::OkStatus();
}

absl::Status InferSequenceAt(InferContext& ctx) {
  if (auto s = NeedHandle(ctx, 0); !s.ok()) return s;
  auto h = LiveObject(ctx, 0);
  if (!h.ok()) return h.status();
  auto pos = ctx.RequireValue(1);
  if (!pos.ok()) return pos.status();
  const int64_t n = *h ? static_cast<int64_t>((*h)->tensors.size()) : 0;
  int64_t p = ReadInt(**pos, 0);
  if (p < 0) p += n;
  if (p < 0 || p >= n)
    return ctx.Error(
        absl::StrCat("position ", ReadInt(**pos, 0), " is out of range for ", n, " elements"));
  const Tensor& t = *(*h)->tensors[p];
  ctx.set_output(0, t.dtype(), t.shape());
  return absl::OkStatus();
}

absl::Status InferSplitToSequence(InferContext& ctx) {
  if (!ctx.has_input(0) || ctx.input_dtype(0) == DType::kHandle)
    return ctx.Error("input 0 must be a tensor");
  if (auto a =
          NormalizeAxis(ctx.node().GetInt("axis", 0), static_cast<int64_t>(ctx.input_rank(0)), ctx);
      !a.ok())
    return a.status();
  return SetHandle(ctx);
}

absl::Status InferConcatFromSequence(InferContext& ctx) {
  if (auto s = NeedHandle(ctx, 0); !s.ok()) return s;
  auto h = LiveObject(ctx, 0);
  if (!h.ok()) return h.status();
  auto shape = ConcatFromSequenceShape(*h, ctx.node().GetInt("axis", 0),
                                       ctx.node().GetInt("new_axis", 0) != 0);
  if (!shape.ok()) return ctx.Error(shape.status().message());
  ctx.set_output(0, (*h)->elem_dtype, *shape);
  return absl::OkStatus();
}

absl::Status InferOptional(InferContext& ctx) { return SetHandle(ctx); }

absl::Status InferOptionalHasElement(InferContext& ctx) {
  ctx.set_output(0, DType::kBool, {});
  return absl::OkStatus();
}

absl::Status InferOptionalGetElement(InferContext& ctx) {
  if (!ctx.has_input(0)) return ctx.Error("input 0 is required");
  if (ctx.input_dtype(0) != DType::kHandle) {  // a plain tensor (opset 18) is its own element
    ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
    return absl::OkStatus();
  }
  auto h = LiveObject(ctx, 0);
  if (!h.ok()) return h.status();
  if (!*h) return ctx.Error("the optional input is empty");
  if ((*h)->kind == HandleObject::Kind::kSequence) return SetHandle(ctx);
  const Tensor& t = *(*h)->tensors[0];
  ctx.set_output(0, t.dtype(), t.shape());
  return absl::OkStatus();
}

absl::Status InferSequenceMap(InferContext& ctx) {
  if (auto s = NeedHandle(ctx, 0); !s.ok()) return s;
  for (size_t o = 0; o < ctx.num_outputs(); ++o) ctx.set_output(o, DType::kHandle, {});
  return absl::OkStatus();
}

}  // namespace sequence_ops

void RegisterSequenceOps(OpRegistry& r) {
  using namespace sequence_ops;  // NOLINT: registration table only
  r.Add({"", "SequenceEmpty", 11, 1000, InferSequenceEmpty});
  r.Add({"", "SequenceConstruct", 11, 1000, InferSequenceConstruct});
  r.Add({"", "SequenceInsert", 11, 1000, InferSequenceInsert});
  r.Add({"", "SequenceErase", 11, 1000, InferSequenceErase});
  r.Add({"", "SequenceLength", 11, 1000, InferSequenceLength});
  r.Add({"", "SequenceAt", 11, 1000, InferSequenceAt});
  r.Add({"", "SplitToSequence", 11, 1000, InferSplitToSequence});
  r.Add({"", "ConcatFromSequence", 11, 1000, InferConcatFromSequence});
  r.Add({"", "SequenceMap", 17, 1000, InferSequenceMap});
  r.Add({"", "Optional", 15, 1000, InferOptional});
  r.Add({"", "OptionalHasElement", 15, 1000, InferOptionalHasElement});
  r.Add({"", "OptionalGetElement", 15, 1000, InferOptionalGetElement});
}

}  // namespace socd::graph
