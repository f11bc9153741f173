// The CPU backend: runs a graph node by node with kernels from kernels/, intermediates in one
// UnifiedBuffer arena planned from tensor lifetimes.
#pragma once

#include <memory>

#include "backends/backend.h"

namespace socd::cpu {

class CpuBackend : public backends::Backend {
 public:
  explicit CpuBackend(int threads = 1);
  const backends::BackendInfo& info() const override { return info_; }
  absl::Status Supports(const graph::Node& node) const override;
  absl::StatusOr<std::unique_ptr<backends::CompiledPartition>> Compile(
      std::shared_ptr<const graph::Graph> g, const backends::CompileOptions& opts) override;

 private:
  backends::BackendInfo info_;
};

// Runs one node on host tensors (single-threaded). Used as the graph passes' evaluator for
// constant folding and plan-time shape arithmetic.
absl::Status EvaluateNode(const graph::Node& node, const std::vector<graph::TensorView>& inputs,
                          std::vector<graph::TensorView>& outputs);

}  // namespace socd::cpu
