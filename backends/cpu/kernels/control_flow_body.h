// What the CPU's Loop, If and Scan kernels share: a body compiled once per node into a nested
// CPU partition (its own static plan and arena, re-planned when its input shapes change between
// iterations), where their outputs go, and slicing along an axis. Every tensor byte these
// kernels move goes through memory::CopyBytes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/backend.h"
#include "backends/cpu/allocating_kernel.h"
#include "backends/cpu/kernel.h"

namespace socd::cpu::control_flow {

// One subgraph of a node, compiled for the dtypes of its inputs (formal, then implicit).
class BodyRunner {
 public:
  static absl::StatusOr<std::unique_ptr<BodyRunner>> Create(const KernelInfo& info,
                                                            const std::string& attr,
                                                            const std::vector<DType>& dtypes);
  // Runs the body once. `outputs` view the body's arena, its inputs or its constants: valid
  // until the next Run, so a caller keeping a value across iterations copies it out first.
  // Sequence/optional objects the body makes go to `run_pool` (the enclosing run's, KernelIo::
  // strings), so a handle carried to the next iteration or returned stays valid.
  absl::Status Run(const std::vector<TensorView>& inputs, std::vector<TensorView>& outputs,
                   graph::StringPool* run_pool);
  const graph::Graph& graph() const { return *graph_; }

 private:
  std::shared_ptr<const graph::Graph> graph_;  // the typed copy the partition runs
  std::unique_ptr<backends::CompiledPartition> partition_;
};

// Where a control-flow kernel's outputs go: the planned outputs of a static plan (the shapes
// must match) or, on the dynamic path, tensors it allocates.
class OutputSink {
 public:
  OutputSink(const KernelIo& io, std::vector<std::shared_ptr<graph::Tensor>>* allocated,
             const graph::Node& node);
  // Memory for output k of this dtype and shape; null when the node omits the output.
  absl::StatusOr<void*> Alloc(size_t k, DType dtype, const Shape& shape);
  // Alloc + copy of v.
  absl::Status Put(size_t k, const TensorView& v);

 private:
  const KernelIo& io_;
  std::vector<std::shared_ptr<graph::Tensor>>* allocated_;
  const graph::Node& node_;
};

// Loop, If and Scan run the same way whether their outputs were planned (Run) or are sized by
// the kernel on the dynamic path (RunAllocating); only the sink differs.
class ControlFlowKernel : public AllocatingKernel {
 public:
  explicit ControlFlowKernel(const graph::Node& n) : node_(n) {}
  absl::Status Run(const KernelIo& io) final {
    OutputSink sink(io, nullptr, node_);
    return Execute(io, sink);
  }
  absl::Status RunAllocating(const KernelIo& io,
                             std::vector<std::shared_ptr<graph::Tensor>>& outputs) final {
    OutputSink sink(io, &outputs, node_);
    return Execute(io, sink);
  }

 protected:
  virtual absl::Status Execute(const KernelIo& io, OutputSink& sink) = 0;
  const graph::Node& node_;
};

// A value kept across iterations (loop-carried, Scan state): two buffers, so the body's next
// run reads one while its outputs are copied into the other.
class CarriedValue {
 public:
  void Init(const TensorView& v) { cur_ = v; }
  const TensorView& view() const { return cur_; }
  // Copies v into the buffer not currently read and makes it current.
  void Update(const TensorView& v);

 private:
  std::shared_ptr<graph::Tensor> buf_[2];
  int next_ = 0;
  TensorView cur_;
};

// Slice `index` of v along `axis` (the axis removed): a view when contiguous (axis 0), else a
// copy into `scratch`.
TensorView SliceAt(const TensorView& v, int64_t axis, int64_t index,
                   std::shared_ptr<graph::Tensor>& scratch);
// Writes src (dst's shape without `axis`) as slice `index` of dst along `axis`.
void InsertAt(const TensorView& dst, int64_t axis, int64_t index, const TensorView& src);

// Unimplemented unless every node of every subgraph of n (recursively) has a CPU kernel.
absl::Status CheckBodiesSupported(const graph::Node& n, int depth = 0);

// Reads the first element of an optional bool / int64 input.
bool ReadBool(const TensorView& v);
int64_t ReadInt64(const TensorView& v);

}  // namespace socd::cpu::control_flow
