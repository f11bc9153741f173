// Whole-graph type and shape inference for concrete input shapes. Values computable from
// shapes and constants alone (Shape -> Gather -> Unsqueeze -> Concat chains feeding Reshape)
// are evaluated along the way through an injected evaluator, so graph/ needs no kernels.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/ir.h"

namespace socd::graph {

struct InferredValue {
  DType dtype = DType::kUndefined;
  Shape shape;
  bool known = false;                   // dtype and shape are set
  std::shared_ptr<const Tensor> value;  // contents, when computable while planning
};

// Computes a node's outputs on host tensors (the CPU backend provides it). Outputs arrive
// allocated with their inferred dtypes and shapes.
using NodeEvaluator = std::function<absl::Status(const Node&, const std::vector<TensorView>& inputs,
                                                 std::vector<TensorView>& outputs)>;

struct InferOptions {
  const NodeEvaluator* evaluator = nullptr;  // null: no value propagation
  // Evaluate nodes whose inputs are all known only if their outputs are at most this many
  // elements in total (shape arithmetic is tiny; big folds belong to the load-time pass).
  int64_t max_eval_elements = 1 << 16;
};

// Infers every value of `g` given the runtime inputs' shapes (same order as g.inputs; dtypes
// are the declared ones). Fails with a clear error on the first inconsistent node, or with a
// NeedsValue status when a shape depends on run-time data.
absl::StatusOr<std::vector<InferredValue>> InferGraph(const Graph& g,
                                                      const std::vector<Shape>& input_shapes,
                                                      const InferOptions& opts = {});

// Runs inference for one node given its inputs' inferred values (used by the dynamic path).
absl::Status InferNode(const Node& n, const std::vector<const InferredValue*>& inputs,
                       std::vector<InferredValue>& outputs);

// Checks the runtime input shapes against the declared types, binding symbolic dims
// consistently ("batch" must be the same wherever it appears).
absl::Status CheckInputShapes(const Graph& g, const std::vector<Shape>& input_shapes);

}  // namespace socd::graph
