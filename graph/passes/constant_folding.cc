#include "absl/strings/str_cat.h"
#include "graph/op_schema.h"
#include "graph/passes/passes.h"
#include "graph/subgraph.h"

namespace socd::graph {

absl::Status FoldConstants(Graph& g, const NodeEvaluator& eval, PassStats& stats) {
  std::vector<Node> kept;
  kept.reserve(g.nodes.size());
  for (Node& n : g.nodes) {
    // Control flow is never folded: a Loop whose inputs are all constant (or omitted) may
    // still run for ever, and its body is not a plain function of the inputs' values.
    bool all_const = !n.inputs.empty() && !HasSubgraphs(n);
    for (int in : n.inputs)
      if (in != kNoValue && !g.values[in].constant) all_const = false;
    if (!all_const) {
      kept.push_back(std::move(n));
      continue;
    }
    std::vector<InferredValue> in_vals(n.inputs.size());
    std::vector<const InferredValue*> ins(n.inputs.size(), nullptr);
    std::vector<TensorView> in_views(n.inputs.size());
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      if (n.inputs[i] == kNoValue) continue;
      const auto& c = g.values[n.inputs[i]].constant;
      in_vals[i] = {c->dtype(), c->shape(), true, c};
      ins[i] = &in_vals[i];
      in_views[i] = c->view();
    }
    std::vector<InferredValue> outs;
    if (auto s = InferNode(n, ins, outs); !s.ok()) return s;  // a genuine model error
    std::vector<std::shared_ptr<Tensor>> results(n.outputs.size());
    std::vector<TensorView> out_views(n.outputs.size());
    for (size_t o = 0; o < n.outputs.size(); ++o) {
      if (n.outputs[o] == kNoValue) continue;
      results[o] = std::make_shared<Tensor>(outs[o].dtype, outs[o].shape);
      out_views[o] = results[o]->view();
    }
    if (!eval(n, in_views, out_views).ok()) {
      // Left for run time, where the error (if any) is reported with the request.
      kept.push_back(std::move(n));
      continue;
    }
    for (size_t o = 0; o < n.outputs.size(); ++o) {
      if (n.outputs[o] == kNoValue) continue;
      results[o]->OwnStrings();  // the evaluator's strings last only until its next call
      Value& v = g.values[n.outputs[o]];
      v.constant = results[o];
      v.producer = -1;
      v.type.dtype = results[o]->dtype();
      v.type.has_shape = true;
      v.type.dims.clear();
      for (int64_t d : results[o]->shape()) v.type.dims.push_back(Dim{d, ""});
    }
    ++stats.folded;
  }
  g.nodes = std::move(kept);
  return g.TopoSort();
}

void RemoveDeadNodes(Graph& g, PassStats& stats) {
  std::vector<bool> live_value(g.values.size(), false);
  for (int o : g.outputs) live_value[o] = true;
  std::vector<bool> live_node(g.nodes.size(), false);
  for (size_t i = g.nodes.size(); i-- > 0;) {
    const Node& n = g.nodes[i];
    bool live = false;
    for (int o : n.outputs)
      if (o != kNoValue && live_value[o]) live = true;
    if (!live) continue;
    live_node[i] = true;
    for (int in : n.inputs)
      if (in != kNoValue) live_value[in] = true;
  }
  std::vector<Node> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (live_node[i])
      kept.push_back(std::move(g.nodes[i]));
    else
      ++stats.removed;
  }
  g.nodes = std::move(kept);
  g.CompactValues();
}

std::string PassStats::ToString() const {
  return absl::StrCat("canonicalized ", canonicalized, ", folded ", folded, ", removed ", removed,
                      ", fused ", fused);
}

absl::Status RunLoadPasses(Graph& g, const NodeEvaluator& eval, bool optimize, PassStats& stats) {
  if (auto s = RunSubgraphPasses(g, eval, optimize, stats); !s.ok()) return s;
  if (auto s = Canonicalize(g, stats); !s.ok()) return s;
  if (!optimize) return absl::OkStatus();
  if (auto s = FoldConstants(g, eval, stats); !s.ok()) return s;
  RemoveDeadNodes(g, stats);
  if (auto s = Fuse(g, stats, &eval); !s.ok()) return s;
  RemoveDeadNodes(g, stats);
  return absl::OkStatus();
}

}  // namespace socd::graph
