// A loaded model ready to run: import, load-time passes, compilation on a backend, and the
// static plan for the model's declared shapes. socd-run, tests and (later) the daemon's model
// repository all load models through here.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/backend.h"
#include "graph/ir.h"
#include "graph/passes/passes.h"

namespace socd::scheduler {

struct SessionOptions {
  std::string backend = "cpu";  // cpu | vulkan | opencl
  int device = 0;               // index among the backend's devices (GPU backends)
  int threads = 1;
  bool optimize = true;  // constant folding, dead-node removal, fusion
};

// Opens the backend `opts` names (cpu, vulkan, opencl) on opts.device.
absl::StatusOr<std::unique_ptr<backends::Backend>> CreateBackend(const SessionOptions& opts);

struct LoadStats {
  double load_ms = 0;  // import + passes + compile + first plan
  int nodes_imported = 0;
  int nodes_after_passes = 0;
  graph::PassStats passes;
};

class Session {
 public:
  static absl::StatusOr<std::unique_ptr<Session>> Load(const std::string& path,
                                                       const SessionOptions& opts);
  static absl::StatusOr<std::unique_ptr<Session>> FromGraph(graph::Graph g,
                                                            const SessionOptions& opts);

  const graph::Graph& graph() const { return *graph_; }
  // Runtime inputs and outputs, in order, with their declared types.
  std::vector<const graph::Value*> inputs() const;
  std::vector<const graph::Value*> outputs() const;

  // Runs one inference. Output views stay valid until the next Run on this session.
  // Not thread-safe: one request at a time per Session.
  // `out_dest`: see CompiledPartition::Run (caller memory for outputs, written in place).
  absl::Status Run(const std::vector<graph::TensorView>& inputs,
                   std::vector<graph::TensorView>& outputs,
                   const std::vector<void*>& out_dest = {});
  // The outputs (types and shapes, data null) these input shapes produce, when that is known
  // before running (static plan); empty otherwise. Prepares the plan.
  std::vector<graph::TensorView> PlannedOutputs(const std::vector<graph::Shape>& input_shapes);

  const LoadStats& load_stats() const { return load_stats_; }
  backends::RunStats run_stats() const { return partition_->stats(); }
  const backends::BackendInfo& backend_info() const { return backend_->info(); }

 private:
  Session() = default;
  std::shared_ptr<const graph::Graph> graph_;
  std::unique_ptr<backends::Backend> backend_;
  std::unique_ptr<backends::CompiledPartition> partition_;
  LoadStats load_stats_;
};

}  // namespace socd::scheduler
