// The backend-neutral half of compiling a partition for concrete input shapes: which nodes run
// (plan-time constants need no kernel), where every value's bytes live (graph input, constant,
// or an offset in the one arena), and which values share storage because their producer only
// reinterprets its input 0 (Reshape, Flatten, Squeeze, ...). Every backend turns the steps into
// its own kernels or dispatches; the CPU backend, Vulkan and OpenCL all plan through here, so an
// arena planned once can be imported by any of them without copies.
#pragma once

#include <cstddef>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/ir.h"
#include "graph/shape_inference.h"

namespace socd::backends {

// Where a value's bytes live during a run.
struct ValueLocation {
  enum Kind { kNone, kArena, kInput, kConstant } kind = kNone;
  size_t offset = 0;          // kArena: byte offset in the arena
  int input = -1;             // kInput: index into the partition's graph inputs
  const void* ptr = nullptr;  // kConstant: host bytes of the plan-time value
};

// One node that has to run (its outputs are not all known at plan time).
struct PlanStep {
  int node = 0;
  std::vector<int> in_values;   // value ids, graph::kNoValue for omitted optional inputs
  std::vector<int> out_values;  // value ids, graph::kNoValue for omitted optional outputs
};

struct StaticPlan {
  std::vector<graph::InferredValue> vals;  // per value: dtype, shape, plan-time contents
  std::vector<ValueLocation> locs;         // per value
  std::vector<int> root;                   // per value: the value whose storage it shares
  std::vector<PlanStep> steps;             // in execution (topological) order
  size_t arena_bytes = 0;                  // one arena for every intermediate
  size_t tensor_bytes = 0;                 // sum of intermediates (no reuse)
};

struct StaticPlanOptions {
  // Plan-time evaluation of shape arithmetic (Shape -> Gather -> Concat -> Reshape chains).
  const graph::NodeEvaluator* evaluator = nullptr;
  // Arena offsets are multiples of this (GPU backends need their storage-buffer alignment).
  size_t alignment = 64;
  // Let reshaping ops share their input's storage. A backend whose kernels cannot address a
  // sub-range of a buffer the same way for every op can turn this off.
  bool alias_reshapes = true;
  // String tensors (16-byte views into host memory, graph/string_store.h) are host-only: only
  // the CPU backend sets this; a GPU backend's plan refuses them with a reason.
  bool allow_strings = false;
};

// Plans the graph for these input shapes. Fails with graph::IsNeedsValue() when a shape
// depends on run-time tensor contents (the caller then plans per run or declines).
absl::StatusOr<StaticPlan> BuildStaticPlan(const graph::Graph& g,
                                           const std::vector<graph::Shape>& input_shapes,
                                           const StaticPlanOptions& opts);

}  // namespace socd::backends
