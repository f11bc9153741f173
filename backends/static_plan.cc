#include "backends/static_plan.h"

#include <algorithm>
#include <climits>

#include "absl/strings/str_cat.h"
#include "graph/memory_plan.h"
#include "graph/op_schema.h"

namespace socd::backends {

using graph::kNoValue;

namespace {

// Training-mode Dropout computes new values (training_mode known to be on, or only at run
// time): its output must not share its input's storage, which other readers may still need.
bool WritesNewValues(const graph::Node& n, const StaticPlan& p) {
  if (n.op_type != "Dropout" || n.inputs.size() < 3 || n.inputs[2] == kNoValue) return false;
  const auto& t = p.vals[n.inputs[2]].value;
  return !t || t->numel() != 1 || t->IntAt(0) != 0;
}

}  // namespace

absl::StatusOr<StaticPlan> BuildStaticPlan(const graph::Graph& g,
                                           const std::vector<graph::Shape>& input_shapes,
                                           const StaticPlanOptions& opts) {
  graph::InferOptions io;
  io.evaluator = opts.evaluator;
  auto vals = graph::InferGraph(g, input_shapes, io);
  if (!vals.ok()) return vals.status();
  StaticPlan p;
  p.vals = *std::move(vals);
  if (!opts.allow_strings) {
    for (size_t v = 0; v < p.vals.size(); ++v) {
      if (p.vals[v].dtype == graph::DType::kString) {
        return absl::UnimplementedError(
            absl::StrCat("value '", g.values[v].name,
                         "' is a string tensor; strings run on the CPU backend only"));
      }
      if (p.vals[v].dtype == graph::DType::kHandle) {  // its objects live in host memory
        return absl::UnimplementedError(
            absl::StrCat("value '", g.values[v].name,
                         "' is a sequence/optional value; those run on the CPU backend only"));
      }
    }
  }
  const int nv = static_cast<int>(g.values.size());
  p.locs.assign(nv, ValueLocation{});
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    p.locs[g.inputs[i]].kind = ValueLocation::kInput;
    p.locs[g.inputs[i]].input = static_cast<int>(i);
  }
  for (int v = 0; v < nv; ++v) {
    if (p.vals[v].value && p.locs[v].kind != ValueLocation::kInput) {
      p.locs[v].kind = ValueLocation::kConstant;
      p.locs[v].ptr = p.vals[v].value->data();
    }
  }
  // Storage roots: an aliasing op's output shares its input 0's storage, unless that input is
  // a graph input or constant (the caller's or the model's memory must not be written).
  std::vector<int>& root = p.root;
  root.resize(nv);
  for (int v = 0; v < nv; ++v) root[v] = v;
  std::vector<int> first(nv, INT_MAX), last(nv, -1);
  int step_index = 0;
  for (size_t ni = 0; ni < g.nodes.size(); ++ni) {
    const graph::Node& n = g.nodes[ni];
    bool folded = true;
    for (int o : n.outputs)
      if (o != kNoValue && !p.vals[o].value) folded = false;
    if (folded) continue;  // every output known at plan time: nothing to run
    bool alias = false;
    if (opts.alias_reshapes && n.has_input(0) && !n.outputs.empty() && n.outputs[0] != kNoValue) {
      auto schema = graph::OpRegistry::Get().Find(n);
      const auto in_kind = p.locs[n.inputs[0]].kind;
      alias = schema.ok() && (*schema)->aliases_input0 && in_kind != ValueLocation::kInput &&
              in_kind != ValueLocation::kConstant && !WritesNewValues(n, p);
    }
    for (int in : n.inputs) {
      if (in == kNoValue) continue;
      last[root[in]] = std::max(last[root[in]], step_index);
    }
    for (size_t o = 0; o < n.outputs.size(); ++o) {
      int v = n.outputs[o];
      if (v == kNoValue) continue;
      if (o == 0 && alias) {
        root[v] = root[n.inputs[0]];
      } else {
        first[v] = step_index;
        last[v] = std::max(last[v], step_index);
      }
    }
    p.steps.push_back({static_cast<int>(ni), n.inputs, n.outputs});
    ++step_index;
  }
  for (int o : g.outputs) last[root[o]] = INT_MAX;
  // One arena over the root buffers the steps produce.
  std::vector<graph::BufferRequest> reqs;
  std::vector<int> req_value;
  for (int v = 0; v < nv; ++v) {
    if (root[v] != v || first[v] == INT_MAX) continue;
    if (p.locs[v].kind != ValueLocation::kNone) continue;
    reqs.push_back({graph::NumElements(p.vals[v].shape) * graph::DTypeSize(p.vals[v].dtype),
                    first[v], last[v]});
    req_value.push_back(v);
  }
  graph::MemoryPlan plan = graph::PlanMemory(reqs, opts.alignment);
  for (size_t r = 0; r < reqs.size(); ++r) {
    p.locs[req_value[r]].kind = ValueLocation::kArena;
    p.locs[req_value[r]].offset = plan.offsets[r];
  }
  for (int v = 0; v < nv; ++v)
    if (root[v] != v && p.locs[v].kind == ValueLocation::kNone) p.locs[v] = p.locs[root[v]];
  p.arena_bytes = plan.arena_bytes;
  p.tensor_bytes = plan.total_bytes;
  return p;
}

}  // namespace socd::backends
