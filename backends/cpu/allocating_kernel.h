// Kernels whose output shapes only running them tells: control flow (a Loop's iteration count,
// an If whose branches return different shapes). Shape inference reports NeedsValue for such a
// node (graph::NeedsRunError), so the partition takes its dynamic path and, for that node,
// calls RunAllocating; where inference did know the shapes (a static plan) the kernel runs
// like any other into planned outputs and checks that the run agrees.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "backends/cpu/kernel.h"
#include "graph/shape_inference.h"

namespace socd::cpu {

class AllocatingKernel : public Kernel {
 public:
  // Runs on io.inputs (io.outputs is ignored) and returns freshly allocated outputs, one per
  // node output (null where the node omits it).
  virtual absl::Status RunAllocating(const KernelIo& io,
                                     std::vector<std::shared_ptr<graph::Tensor>>& outputs) = 0;
};

// Kernels the dynamic path created for such nodes, kept across runs by node index: a
// control-flow kernel depends only on its inputs' dtypes, so its compiled bodies (and their
// plans) are reused from run to run instead of being compiled per run.
struct AllocatingKernelCache {
  struct Entry {
    std::vector<DType> dtypes;
    std::unique_ptr<Kernel> kernel;
  };
  std::map<int, Entry> by_node;
};

// The dynamic path's step for node `index` of the graph, whose shape inference failed with
// NeedsValue (`why`): creates (or reuses from `cache`) its kernel from `vals` and, if it is an
// AllocatingKernel, runs it, recording its outputs in vals/views and keeping the tensors in
// `storage`. Any other node returns `why`. `strings` is the run's pool (KernelIo::strings).
absl::Status RunNodeAllocating(const graph::Node& n, int index, const absl::Status& why,
                               std::vector<graph::InferredValue>& vals,
                               std::vector<TensorView>& views,
                               std::vector<std::shared_ptr<graph::Tensor>>& storage,
                               ThreadPool* pool, int threads, AllocatingKernelCache& cache,
                               graph::StringPool* strings);

}  // namespace socd::cpu
