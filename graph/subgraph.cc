#include "graph/subgraph.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace socd::graph {

bool HasSubgraphs(const Node& n) {
  for (const auto& [name, a] : n.attrs)
    if (a.kind == Attribute::Kind::kGraph) return true;
  return false;
}

bool IsControlFlow(const Node& n) {
  return n.domain.empty() && (n.op_type == "Loop" || n.op_type == "If" || n.op_type == "Scan");
}

const Graph* Subgraph(const Node& n, const std::string& name) {
  auto it = n.attrs.find(name);
  if (it == n.attrs.end() || it->second.kind != Attribute::Kind::kGraph) return nullptr;
  return it->second.g.get();
}

std::vector<std::string> UnifyCaptures(
    Node& n, const std::vector<std::pair<std::string, std::vector<std::string>>>& bodies) {
  std::vector<std::string> all;
  for (const auto& [attr, names] : bodies)
    for (const std::string& name : names)
      if (std::find(all.begin(), all.end(), name) == all.end()) all.push_back(name);
  if (all.empty()) return all;
  for (const auto& [attr, names] : bodies) {
    Graph& body = *n.attrs[attr].g;
    const size_t formal = body.inputs.size() - names.size();
    std::vector<int> inputs(body.inputs.begin(), body.inputs.begin() + formal);
    for (const std::string& name : all) {
      if (std::find(names.begin(), names.end(), name) != names.end()) {
        inputs.push_back(body.FindValue(name));
      } else {  // read only by a sibling body: an input this body ignores
        inputs.push_back(body.AddValue(body.FindValue(name) >= 0 ? body.UniqueName(name) : name));
      }
    }
    body.inputs = std::move(inputs);
  }
  return all;
}

namespace {

absl::Status BadBody(const Node& n, const std::string& msg) {
  return absl::InvalidArgumentError(absl::StrCat(n.Describe(), ": ", msg));
}

// Checks one body's formal input and output counts.
absl::Status CheckBody(const Node& n, const std::string& attr, size_t formal_inputs, size_t outputs,
                       const std::string& inputs_are) {
  const Graph* body = Subgraph(n, attr);
  if (!body) return BadBody(n, absl::StrCat("the '", attr, "' subgraph is missing"));
  const size_t implicit = static_cast<size_t>(n.implicit_inputs);
  if (body->inputs.size() < implicit || body->inputs.size() - implicit != formal_inputs) {
    return BadBody(n, absl::StrCat("subgraph '", attr, "' has ",
                                   body->inputs.size() - std::min(implicit, body->inputs.size()),
                                   " inputs, expected ", formal_inputs, " (", inputs_are, ")"));
  }
  if (body->outputs.size() != outputs) {
    return BadBody(n, absl::StrCat("subgraph '", attr, "' has ", body->outputs.size(),
                                   " outputs, expected ", outputs));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateControlFlow(const Node& n) {
  if (!IsControlFlow(n)) return absl::OkStatus();
  if (n.implicit_inputs < 0 || static_cast<size_t>(n.implicit_inputs) > n.inputs.size())
    return BadBody(n, "implicit inputs out of range");
  const size_t explicit_in = ExplicitInputs(n);
  const size_t outs = n.outputs.size();
  if (n.op_type == "If") {
    if (explicit_in != 1) return BadBody(n, "If takes exactly one input (the condition)");
    if (auto s = CheckBody(n, "then_branch", 0, outs, "a branch takes no inputs"); !s.ok())
      return s;
    return CheckBody(n, "else_branch", 0, outs, "a branch takes no inputs");
  }
  if (n.op_type == "Loop") {
    if (explicit_in < 2) return BadBody(n, "Loop needs the inputs M and cond (either may be \"\")");
    const size_t carried = explicit_in - 2;
    if (outs < carried) {
      return BadBody(n, absl::StrCat("Loop has ", carried, " loop-carried inputs but only ", outs,
                                     " outputs"));
    }
    return CheckBody(
        n, "body", 2 + carried, 1 + outs,
        absl::StrCat("iteration number, condition and ", carried, " loop-carried values"));
  }
  // Scan: opset 8 has sequence_lens first and a batch dimension.
  const size_t skip = n.opset < 9 ? 1 : 0;
  auto m = n.attrs.find("num_scan_inputs");
  if (m == n.attrs.end() || m->second.i < 1)
    return BadBody(n, "attribute num_scan_inputs (>= 1) is required");
  const size_t scan_inputs = static_cast<size_t>(m->second.i);
  if (explicit_in < skip + scan_inputs) {
    return BadBody(n, absl::StrCat("num_scan_inputs is ", scan_inputs, " but the node has only ",
                                   explicit_in - std::min(skip, explicit_in), " inputs"));
  }
  const size_t states = explicit_in - skip - scan_inputs;
  if (outs < states) {
    return BadBody(n,
                   absl::StrCat("Scan has ", states, " state inputs but only ", outs, " outputs"));
  }
  return CheckBody(n, "body", states + scan_inputs, outs,
                   absl::StrCat(states, " state values and ", scan_inputs, " scan slices"));
}

namespace {

bool Untyped(const Graph& g, int v) {
  return v != kNoValue && g.values[v].type.dtype == DType::kUndefined;
}

TensorType WithDim(TensorType t, size_t at, Dim d) {
  if (!t.has_shape) return t;
  t.dims.insert(t.dims.begin() + static_cast<std::ptrdiff_t>(std::min(at, t.dims.size())), d);
  return t;
}

// Both branches' agreement: dims equal in both stay, others become unknown.
TensorType Merge(const TensorType& a, const TensorType& b) {
  TensorType t = a;
  if (a.dtype != b.dtype) t.dtype = DType::kUndefined;
  if (!a.has_shape || !b.has_shape || a.dims.size() != b.dims.size()) {
    t.has_shape = false;
    t.dims.clear();
    return t;
  }
  for (size_t i = 0; i < t.dims.size(); ++i) {
    const Dim& x = a.dims[i];
    const Dim& y = b.dims[i];
    if (x.value != y.value || x.symbol != y.symbol) t.dims[i] = Dim{};
  }
  return t;
}

void TypeNode(Graph& g, const Node& n) {
  auto set = [&](size_t o, const TensorType& t) {
    if (o < n.outputs.size() && Untyped(g, n.outputs[o]) && t.dtype != DType::kUndefined)
      g.values[n.outputs[o]].type = t;
  };
  if (n.op_type == "If") {
    const Graph* a = Subgraph(n, "then_branch");
    const Graph* b = Subgraph(n, "else_branch");
    for (size_t o = 0; o < n.outputs.size(); ++o)
      set(o, Merge(a->values[a->outputs[o]].type, b->values[b->outputs[o]].type));
    return;
  }
  const Graph* body = Subgraph(n, "body");
  if (n.op_type == "Loop") {
    const size_t carried = ExplicitInputs(n) - 2;
    for (size_t o = 0; o < n.outputs.size(); ++o) {
      const TensorType& t = body->values[body->outputs[1 + o]].type;
      if (o < carried)
        set(o, t.dtype != DType::kUndefined ? t : g.values[n.inputs[2 + o]].type);
      else
        set(o, WithDim(t, 0, Dim{}));  // the number of iterations run
    }
    return;
  }
  const bool v8 = n.opset < 9;
  const size_t scan_in = static_cast<size_t>(n.GetInt("num_scan_inputs", 1));
  const size_t states = ExplicitInputs(n) - (v8 ? 1 : 0) - scan_in;
  // The sequence length, from the first scan input's declared shape.
  Dim len;
  const int first_scan = n.inputs[(v8 ? 1 : 0) + states];
  const std::vector<int64_t> in_axes = n.GetInts("scan_input_axes");
  const TensorType& st = g.values[first_scan].type;
  int64_t axis = v8 ? 1 : (in_axes.empty() ? 0 : in_axes[0]);
  if (st.has_shape && axis < 0) axis += static_cast<int64_t>(st.dims.size());
  if (st.has_shape && axis >= 0 && static_cast<size_t>(axis) < st.dims.size()) len = st.dims[axis];
  const std::vector<int64_t> out_axes = n.GetInts("scan_output_axes");
  for (size_t o = 0; o < n.outputs.size(); ++o) {
    TensorType t = body->values[body->outputs[o]].type;
    if (o >= states) {
      int64_t at = v8 || out_axes.size() <= o - states ? 0 : out_axes[o - states];
      if (at < 0) at += static_cast<int64_t>(t.dims.size()) + 1;
      t = WithDim(t, static_cast<size_t>(std::max<int64_t>(at, 0)), len);
    }
    if (v8) t = WithDim(t, 0, Dim{});  // the batch
    set(o, t);
  }
}

}  // namespace

void InferControlFlowTypes(Graph& g, int depth) {
  if (depth > kMaxSubgraphDepth) return;
  for (Node& n : g.nodes) {
    for (auto& [name, a] : n.attrs)
      if (a.kind == Attribute::Kind::kGraph && a.g) InferControlFlowTypes(*a.g, depth + 1);
    if (IsControlFlow(n) && ValidateControlFlow(n).ok()) TypeNode(g, n);
  }
}

std::shared_ptr<Graph> TypedBody(const Graph& body, const std::vector<DType>& input_dtypes) {
  auto g = std::make_shared<Graph>(body);
  for (size_t i = 0; i < g->inputs.size() && i < input_dtypes.size(); ++i) {
    TensorType& t = g->values[g->inputs[i]].type;
    t.dtype = input_dtypes[i];
    t.has_shape = false;
    t.dims.clear();
  }
  return g;
}

}  // namespace socd::graph
