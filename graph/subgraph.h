// Control-flow subgraphs (the bodies of Loop, If and Scan) in socd's IR.
//
// A body is a Graph of its own held by a kGraph attribute. ONNX lets a body read any value of
// an enclosing graph by name; the importer makes those reads explicit, as ONNX Runtime does:
//   - the body gets one extra graph input per outer-scope name, after its formal inputs;
//   - the node that owns the body lists the outer values as trailing `implicit inputs`, in the
//     same order (every body of a node gets the union of its bodies' captures, unused ones
//     simply not read), so topological sort, dead-node removal, constant folding, the memory
//     planner and liveness all see the reads without knowing about subgraphs.
// A body nested two levels deep reads a top-level value through its parent's implicit input,
// which is in turn a captured input of the parent body.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "graph/ir.h"

namespace socd::graph {

// Deepest nesting of subgraphs the importer accepts (a Loop in an If in a Loop is 3); every
// recursive walk over bodies is bounded by it, so a malicious model cannot exhaust the stack.
constexpr int kMaxSubgraphDepth = 16;

// The names an enclosing graph defines (inputs, initializers, node outputs), chained outwards:
// what a body may read from outer scope while importing.
struct ImportScope {
  const ImportScope* parent = nullptr;
  std::set<std::string> names;
  bool Defines(const std::string& name) const {
    for (const ImportScope* s = this; s; s = s->parent)
      if (s->names.count(name)) return true;
    return false;
  }
};

// True for a node holding at least one subgraph attribute.
bool HasSubgraphs(const Node& n);
// Loop, If or Scan of the default domain.
bool IsControlFlow(const Node& n);

// The node's subgraph attribute `name`, or null.
const Graph* Subgraph(const Node& n, const std::string& name);

// Number of inputs before the implicit ones.
inline size_t ExplicitInputs(const Node& n) {
  return n.inputs.size() - static_cast<size_t>(n.implicit_inputs);
}

// After import of a node's bodies (attribute name, outer-scope names each reads, in the order
// each body appended them as inputs): returns the union of the names, the node's implicit
// inputs, and rewrites every body's captured inputs to exactly that list, in that order.
std::vector<std::string> UnifyCaptures(
    Node& n, const std::vector<std::pair<std::string, std::vector<std::string>>>& bodies);

// Checks a Loop/If/Scan node against its bodies: bodies present, body input and output counts
// matching the node's (formal inputs + one per implicit input). Errors name the node and say
// what was expected. Other nodes pass.
absl::Status ValidateControlFlow(const Node& n);

// Fills the declared type of control-flow outputs the model left untyped from the bodies'
// declared outputs (a Loop/Scan scan output gets a leading iteration dimension: the trip count
// when it is a constant, else unknown). Recurses into bodies.
void InferControlFlowTypes(Graph& g, int depth = 0);

// A copy of `body` whose graph inputs have these dtypes and no declared shape: what a body is
// inferred and compiled as, since loop-carried values may change shape between iterations and
// bodies often leave their inputs untyped.
std::shared_ptr<Graph> TypedBody(const Graph& body, const std::vector<DType>& input_dtypes);

}  // namespace socd::graph
