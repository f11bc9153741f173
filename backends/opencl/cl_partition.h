// A compiled partition on one OpenCL device: the backend-neutral static plan (one arena, every
// intermediate a sub-buffer of it), one kernel launch list, one in-order queue. A run enqueues
// every launch back to back and waits once (clFinish).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "backends/backend.h"
#include "backends/memory/unified_buffer.h"
#include "backends/opencl/cl_device.h"
#include "backends/opencl/cl_memory.h"
#include "backends/opencl/cl_ops.h"

namespace socd::opencl {

class ClPartition : public backends::CompiledPartition {
 public:
  static absl::StatusOr<std::unique_ptr<ClPartition>> Create(std::shared_ptr<ClRuntime> rt,
                                                             std::shared_ptr<const graph::Graph> g);
  ~ClPartition() override;

  absl::Status Prepare(const std::vector<graph::Shape>& input_shapes) override;
  absl::Status Run(const std::vector<graph::TensorView>& inputs,
                   std::vector<graph::TensorView>& outputs,
                   const std::vector<void*>& out_dest = {}) override;
  std::vector<graph::TensorView> planned_outputs() const override;
  backends::RunStats stats() const override { return stats_; }

  // Per-kernel device time of the last run (profiling events). Collected when profiling is
  // on: set_profiling(true), or SOCD_CL_PROFILE=1 (then also logged at debug level).
  struct KernelTiming {
    std::string kernel;
    std::string node;
    double us = 0;
  };
  struct ClRunInfo {
    int launches = 0;               // kernels enqueued per run
    double run_us = 0;              // last run: first enqueue to clFinish returning
    double kernel_us = 0;           // last run: sum of kernel device times (profiling on)
    bool zero_copy_inputs = true;   // every input of the last run was wrapped, not staged
    bool zero_copy_outputs = true;  // every out_dest of the last run was written in place
  };
  void set_profiling(bool on) { profiling_ = on; }
  const std::vector<KernelTiming>& timings() const { return timings_; }
  ClRunInfo run_info() const { return run_info_; }
  // The buffer that held output k in the last run (valid until the next Run/Prepare).
  cl_mem output_buffer(size_t k) const {
    return k < last_output_mem_.size() ? last_output_mem_[k] : nullptr;
  }
  cl_command_queue queue() const { return queue_; }

 private:
  struct Launch {
    cl_kernel kernel = nullptr;
    std::string name;
    int node = 0;
    cl_uint dims = 1;
    size_t global[3] = {1, 1, 1};
    size_t local[3] = {1, 1, 1};
    std::vector<std::pair<cl_uint, int>> value_args;  // (arg index, value id)
  };

  ClPartition(std::shared_ptr<ClRuntime> rt, std::shared_ptr<const graph::Graph> g)
      : rt_(std::move(rt)), g_(std::move(g)) {}
  absl::Status ReleasePlan();
  absl::Status ReleaseRunState();
  absl::Status AddLaunches(int node, const std::vector<ClDispatch>& ds);
  absl::Status PlaceConstants();
  absl::Status BindInputs(const std::vector<graph::TensorView>& inputs);
  cl_mem MemFor(int v) const;

  std::shared_ptr<ClRuntime> rt_;
  std::shared_ptr<const graph::Graph> g_;
  cl_command_queue queue_ = nullptr;
  bool profiling_ = false;

  bool prepared_ = false;
  std::vector<graph::Shape> prepared_shapes_;
  std::vector<graph::InferredValue> vals_;
  std::vector<backends::ValueLocation> locs_;
  std::vector<int> root_;
  std::vector<Launch> launches_;
  std::vector<ClMem> tables_;
  std::unique_ptr<memory::UnifiedBuffer> arena_;
  ClMem arena_mem_;
  std::vector<ClMem> root_mem_;   // per value: sub-buffer of its arena root
  std::vector<ClMem> const_mem_;  // per value: plan-time constants the launches read
  std::unique_ptr<memory::UnifiedBuffer> const_pool_;
  ClMem const_pool_mem_;
  // Graph inputs: staging storage (unified: a UnifiedBuffer, else device memory) for inputs
  // that cannot be wrapped; the per-run wraps.
  std::vector<std::unique_ptr<memory::UnifiedBuffer>> in_stage_host_;
  std::vector<ClMem> in_stage_mem_;
  std::vector<ClMem> in_wrap_;
  std::vector<cl_mem> in_mem_;
  // Per run: out_dest wraps replacing an output's arena storage, mapped outputs, host copies
  // of outputs on staging devices.
  std::vector<cl_mem> override_;  // per value (root): replacement buffer or null
  std::vector<ClMem> out_wrap_;
  std::vector<std::pair<cl_mem, void*>> mapped_;
  std::vector<std::unique_ptr<memory::UnifiedBuffer>> out_host_;
  std::vector<cl_mem> last_output_mem_;

  backends::RunStats stats_;
  ClRunInfo run_info_;
  std::vector<KernelTiming> timings_;
};

}  // namespace socd::opencl
