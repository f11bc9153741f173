// Run-time values for backends that only run static plans (Vulkan, OpenCL). Some graph inputs
// are read for their contents, not as data: Reshape's shape, Slice's starts, Clip's min/max,
// Resize's scales, Dropout's training_mode. When such an input is a graph input, the static
// plan cannot be built from shapes alone. WithRunTimeValues wraps a partition so that, when its
// Prepare is refused for that reason, each Run plans a specialized copy of the graph in which
// those (small, host-visible) inputs are constants, and re-plans only when their values or the
// input shapes change, as the CPU backend re-plans when input shapes change. Graphs without
// such inputs get the inner partition back unwrapped: the static hot path is untouched.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/backend.h"
#include "graph/ir.h"

namespace socd::backends {

using PartitionFactory = std::function<absl::StatusOr<std::unique_ptr<CompiledPartition>>(
    std::shared_ptr<const graph::Graph>)>;

// Per graph input (g.inputs order): true when some node reads its contents to decide shapes or
// attributes (see the table in run_values.cc).
std::vector<bool> ValueInputs(const graph::Graph& g);

// True for a Prepare refusal that only run-time values can lift: a NeedsValue plan, or a
// builder's "known only at run time".
bool IsRunTimeValueRefusal(const absl::Status& s);

// Inputs larger than this are never specialized (they would be data, not shape arguments).
constexpr int64_t kMaxValueInputElements = 1024;

// `inner` compiled from `g`; `compile` compiles a specialized copy of `g` for one set of values.
std::unique_ptr<CompiledPartition> WithRunTimeValues(std::shared_ptr<const graph::Graph> g,
                                                     std::unique_ptr<CompiledPartition> inner,
                                                     PartitionFactory compile);

}  // namespace socd::backends
