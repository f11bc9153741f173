// Shape inference for Loop, If and Scan: each body is inferred as a graph of its own for the
// node's concrete input types and shapes (graph/subgraph.h: formal inputs, then the implicit
// ones). Outputs whose shape only running can tell (a Loop's scan outputs: the number of
// iterations; an If whose branches disagree and whose condition is unknown) fail with
// NeedsValue, so the CPU partition runs the node on its dynamic path, where the control-flow
// kernels size their own outputs.
#include "absl/strings/str_cat.h"
#include "graph/op_schema.h"
#include "graph/shape_inference.h"
#include "graph/subgraph.h"

namespace socd::graph {
namespace control_flow_ops {

// The inferred outputs of `attr` for these formal input types; the node's implicit inputs are
// appended here.
absl::StatusOr<std::vector<InferredValue>> InferBody(const InferContext& ctx,
                                                     const std::string& attr,
                                                     std::vector<DType> dtypes,
                                                     std::vector<Shape> shapes) {
  const Node& n = ctx.node();
  if (auto s = ValidateControlFlow(n); !s.ok()) return s;
  for (size_t i = ExplicitInputs(n); i < n.inputs.size(); ++i) {
    dtypes.push_back(ctx.input_dtype(i));
    shapes.push_back(ctx.input_shape(i));
  }
  for (DType t : dtypes)
    if (t == DType::kString) return ctx.Unsupported("string values in a control-flow body");
  auto body = TypedBody(*Subgraph(n, attr), dtypes);
  auto vals = InferGraph(*body, shapes);
  if (!vals.ok()) {
    if (IsNeedsValue(vals.status())) return vals.status();
    return absl::Status(vals.status().code(), absl::StrCat(n.Describe(), " subgraph '", attr,
                                                           "': ", vals.status().message()));
  }
  std::vector<InferredValue> outs;
  for (int o : body->outputs) outs.push_back((*vals)[o]);
  return outs;
}

absl::Status InferIf(InferContext& ctx) {
  if (ctx.input_dtype(0) != DType::kBool || NumElements(ctx.input_shape(0)) != 1)
    return ctx.Error("the condition must be a one-element bool tensor");
  const TensorView* cond = ctx.input_value(0);
  std::vector<std::vector<InferredValue>> branches;
  for (const char* attr : {"then_branch", "else_branch"}) {
    if (cond && (*static_cast<const uint8_t*>(cond->data) != 0) != (attr[0] == 't')) continue;
    auto outs = InferBody(ctx, attr, {}, {});
    if (!outs.ok()) return outs.status();
    branches.push_back(*std::move(outs));
  }
  for (size_t o = 0; o < ctx.num_outputs(); ++o) {
    const InferredValue& a = branches[0][o];
    for (const auto& b : branches) {
      if (b[o].dtype != a.dtype)
        return ctx.Error(absl::StrCat("the branches' output ", o, " types differ"));
      if (b[o].shape != a.shape)
        return NeedsRunError(ctx.node(), "its branches' output shapes differ");
    }
    ctx.set_output(o, a.dtype, a.shape);
  }
  return absl::OkStatus();
}

absl::Status InferLoop(InferContext& ctx) {
  const Node& n = ctx.node();
  if (auto s = ValidateControlFlow(n); !s.ok()) return s;
  if (ctx.has_input(0) &&
      (ctx.input_dtype(0) != DType::kInt64 || NumElements(ctx.input_shape(0)) != 1))
    return ctx.Error("M must be a one-element int64 tensor");
  if (ctx.has_input(1) &&
      (ctx.input_dtype(1) != DType::kBool || NumElements(ctx.input_shape(1)) != 1))
    return ctx.Error("cond must be a one-element bool tensor");
  const size_t carried = ExplicitInputs(n) - 2;
  std::vector<DType> dtypes = {DType::kInt64, DType::kBool};
  std::vector<Shape> shapes = {{}, {}};
  for (size_t k = 0; k < carried; ++k) {
    if (!ctx.has_input(2 + k)) return ctx.Error("loop-carried inputs cannot be omitted");
    dtypes.push_back(ctx.input_dtype(2 + k));
    shapes.push_back(ctx.input_shape(2 + k));
  }
  auto outs = InferBody(ctx, "body", dtypes, shapes);
  if (!outs.ok()) return outs.status();
  if ((*outs)[0].dtype != DType::kBool) return ctx.Error("the body's condition output is not bool");
  for (size_t k = 0; k < carried; ++k) {
    if ((*outs)[1 + k].dtype != dtypes[2 + k]) {
      return ctx.Error(absl::StrCat("loop-carried value ", k, " is ", DTypeName(dtypes[2 + k]),
                                    " but the body returns ", DTypeName((*outs)[1 + k].dtype)));
    }
  }
  // The number of iterations (scan outputs' first dimension) is known only by running, and so
  // is the final shape of a value the body reshapes.
  if (ctx.num_outputs() > carried) return NeedsRunError(n, "it has scan outputs");
  for (size_t k = 0; k < carried; ++k) {
    if ((*outs)[1 + k].shape != shapes[2 + k])
      return NeedsRunError(n, "a loop-carried value changes shape");
    ctx.set_output(k, dtypes[2 + k], shapes[2 + k]);
  }
  return absl::OkStatus();
}

// Scan-9+ (and Scan-8 per batch item, `batched`): per-iteration shapes in, stacked shapes out.
absl::Status InferScan(InferContext& ctx) {
  const Node& n = ctx.node();
  if (auto s = ValidateControlFlow(n); !s.ok()) return s;
  const bool v8 = n.opset < 9;
  const size_t first = v8 ? 1 : 0;
  const size_t m = static_cast<size_t>(n.GetInt("num_scan_inputs", 0));
  const size_t states = ExplicitInputs(n) - first - m;
  const size_t k_outs = ctx.num_outputs() - states;
  std::vector<int64_t> in_axes = n.GetInts("scan_input_axes");
  std::vector<int64_t> out_axes = n.GetInts("scan_output_axes");
  if (v8 && (!in_axes.empty() || !out_axes.empty()))
    return ctx.Error("Scan-8 has no scan_input_axes/scan_output_axes");
  if (in_axes.empty()) in_axes.assign(m, 0);
  if (out_axes.empty()) out_axes.assign(k_outs, 0);
  if (in_axes.size() != m || out_axes.size() != k_outs)
    return ctx.Error("scan_input_axes/scan_output_axes have the wrong length");
  const size_t batch_dims = v8 ? 1 : 0;
  int64_t batch = -1;
  std::vector<DType> dtypes;
  std::vector<Shape> shapes;
  for (size_t i = 0; i < states + m; ++i) {
    const size_t in = first + i;
    if (!ctx.has_input(in)) return ctx.Error("state and scan inputs cannot be omitted");
    Shape s = ctx.input_shape(in);
    if (s.size() < batch_dims) return ctx.Error("Scan-8 inputs need a batch dimension");
    if (v8) {
      if (batch >= 0 && s[0] != batch) return ctx.Error("inputs disagree on the batch size");
      batch = s[0];
      s.erase(s.begin());
    }
    dtypes.push_back(ctx.input_dtype(in));
    shapes.push_back(std::move(s));
  }
  int64_t len = -1;
  for (size_t j = 0; j < m; ++j) {
    Shape& s = shapes[states + j];
    auto axis = NormalizeAxis(in_axes[j], static_cast<int64_t>(s.size()), ctx);
    if (!axis.ok()) return axis.status();
    if (s.empty()) return ctx.Error("a scan input must have at least one dimension to scan");
    if (len >= 0 && s[*axis] != len) return ctx.Error("scan inputs have different lengths");
    len = s[*axis];
    s.erase(s.begin() + *axis);
  }
  auto outs = InferBody(ctx, "body", dtypes, shapes);
  if (!outs.ok()) return outs.status();
  for (size_t o = 0; o < ctx.num_outputs(); ++o) {
    DType t = (*outs)[o].dtype;
    Shape s = (*outs)[o].shape;
    if (o < states) {
      if (t != dtypes[o] || s != shapes[o])
        return ctx.Error(absl::StrCat("state ", o, " changes type or shape in the body"));
    } else {
      auto axis = NormalizeAxis(out_axes[o - states], static_cast<int64_t>(s.size()) + 1, ctx);
      if (!axis.ok()) return axis.status();
      s.insert(s.begin() + *axis, len);
    }
    if (v8) s.insert(s.begin(), batch);
    ctx.set_output(o, t, std::move(s));
  }
  return absl::OkStatus();
}

}  // namespace control_flow_ops

void RegisterControlFlowOps(OpRegistry& r) {
  using namespace control_flow_ops;
  r.Add({"", "If", 1, 1000, InferIf});
  r.Add({"", "Loop", 1, 1000, InferLoop});
  r.Add({"", "Scan", 8, 1000, InferScan});
}

}  // namespace socd::graph
