// The load passes inside control-flow bodies. A body keeps its inputs and outputs (count and
// order are the node's contract with it); everything between is optimized like a graph.
#include "absl/strings/str_cat.h"
#include "graph/passes/passes.h"
#include "graph/subgraph.h"

namespace socd::graph {

absl::Status RunSubgraphPasses(Graph& g, const NodeEvaluator& eval, bool optimize,
                               PassStats& stats) {
  for (Node& n : g.nodes) {
    for (auto& [name, a] : n.attrs) {
      if (a.kind != Attribute::Kind::kGraph || !a.g) continue;
      auto body = std::make_shared<Graph>(*a.g);
      if (auto s = RunLoadPasses(*body, eval, optimize, stats); !s.ok()) {
        return absl::Status(s.code(),
                            absl::StrCat(n.Describe(), " subgraph '", name, "': ", s.message()));
      }
      a.g = std::move(body);
    }
  }
  return absl::OkStatus();
}

}  // namespace socd::graph
