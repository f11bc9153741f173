// A compiled CPU partition: the static plan (kernels, arena offsets) for the input shapes last
// prepared, or a dynamic path when shapes depend on run-time values.
#pragma once

#include <memory>
#include <vector>

#include "backends/backend.h"
#include "backends/cpu/allocating_kernel.h"
#include "backends/cpu/kernel.h"
#include "backends/memory/unified_buffer.h"
#include "backends/static_plan.h"
#include "graph/shape_inference.h"

namespace socd::cpu {

class CpuPartition : public backends::CompiledPartition {
 public:
  CpuPartition(std::shared_ptr<const graph::Graph> g, int threads);
  absl::Status Prepare(const std::vector<Shape>& input_shapes) override;
  absl::Status Run(const std::vector<TensorView>& inputs, std::vector<TensorView>& outputs,
                   const std::vector<void*>& out_dest = {}) override;
  std::vector<TensorView> planned_outputs() const override;
  backends::RunStats stats() const override { return stats_; }
  // For a partition nested in a kernel (a control-flow body): create strings in the enclosing
  // run's pool (KernelIo::strings), which this partition never clears, so strings a body makes
  // stay valid across iterations (carried values, scan outputs) until the enclosing run ends.
  // Null returns to the partition's own per-run pool.
  void ShareStringPool(graph::StringPool* outer) { shared_strings_ = outer; }

 private:
  struct Step {
    int node = 0;
    std::unique_ptr<Kernel> kernel;
    KernelIo io;
    std::vector<int> in_values;  // value ids (kNoValue for omitted)
    std::vector<int> out_values;
  };

  absl::Status RunDynamic(const std::vector<TensorView>& inputs, std::vector<TensorView>& outputs);
  void* Resolve(const backends::ValueLocation& loc, const std::vector<TensorView>& inputs) const;

  std::shared_ptr<const graph::Graph> g_;
  ThreadPool pool_;
  int threads_;
  bool prepared_ = false;
  bool dynamic_ = false;
  std::vector<Shape> prepared_shapes_;
  std::vector<graph::InferredValue> vals_;
  std::vector<backends::ValueLocation> locs_;
  std::vector<int> root_;             // storage root of each value (aliasing ops share it)
  std::vector<void*> root_override_;  // per run: caller memory replacing a root's arena slot
  std::vector<Step> steps_;
  std::unique_ptr<memory::UnifiedBuffer> arena_;
  backends::RunStats stats_;
  std::vector<std::shared_ptr<graph::Tensor>> dynamic_storage_;
  AllocatingKernelCache allocating_kernels_;  // control flow on the dynamic path
  graph::StringPool strings_;  // strings kernels created in the last run (outputs refer to it)
  graph::StringPool* shared_strings_ = nullptr;  // ShareStringPool
  graph::StringPool* pool_for_strings() { return shared_strings_ ? shared_strings_ : &strings_; }
};

}  // namespace socd::cpu
