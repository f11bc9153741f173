// Load-time graph rewrites. Each pass keeps the graph topologically sorted and valid; each
// returns what it changed so tools can report it.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "graph/ir.h"
#include "graph/shape_inference.h"

namespace socd::graph {

struct PassStats {
  int canonicalized = 0;  // old-opset forms rewritten to the newest form
  int folded = 0;         // nodes replaced by constants
  int removed = 0;        // dead nodes dropped
  int fused = 0;          // nodes merged into a neighbour
  std::string ToString() const;
};

// Rewrites older operator versions into the form the kernels implement (attributes that
// became inputs: Unsqueeze/Squeeze/Reduce* axes, Split's split, Slice-1, Pad-2, Clip-6;
// Upsample -> Resize; legacy BatchNormalization/Dropout attributes). See canonicalize.cc.
absl::Status Canonicalize(Graph& g, PassStats& stats);

// Evaluates every node whose inputs are all constants (ConstantOfShape-generated weights,
// shape arithmetic on constants) once, replacing its outputs by constants.
absl::Status FoldConstants(Graph& g, const NodeEvaluator& eval, PassStats& stats);

// Drops nodes none of whose outputs reach a graph output, and unused values.
void RemoveDeadNodes(Graph& g, PassStats& stats);

// Fuses Conv/Gemm/MatMul with a following BatchNormalization (folded into weights), bias Add
// and activation (Relu, Clip/ReLU6, Sigmoid, SiLU, GELU). Fused nodes carry socd-internal
// attributes (see fusion.h) that the CPU kernels implement. `eval`, when given, lets the pass
// infer shapes through Shape->Reshape chains (the shape-dependent rules need them).
absl::Status Fuse(Graph& g, PassStats& stats, const NodeEvaluator* eval = nullptr);

// RunLoadPasses on every control-flow body (graph/subgraph.h), innermost first. A body is
// copied before it is rewritten, since graphs copied from this one share their bodies.
absl::Status RunSubgraphPasses(Graph& g, const NodeEvaluator& eval, bool optimize,
                               PassStats& stats);

// All of the above in order; `optimize` false runs only what correctness needs.
absl::Status RunLoadPasses(Graph& g, const NodeEvaluator& eval, bool optimize, PassStats& stats);

}  // namespace socd::graph
